/**
 * `npm run bench:e2e`: events in over HTTP, email out over SMTP, status `sent` in PostgreSQL. An
 * execution instance (role `all`, spawned from its entry point) sends to an SMTP sink in this
 * process; BENCH_EVENTS real-time events are POSTed by autocannon over BENCH_CONNECTIONS
 * connections. Baseline, same run, same sink: the same number of messages sent with nodemailer's
 * pooled `sendMail` (pool of SMTP_POOL_SIZE = 5, as the instance's), BENCH_CONNECTIONS in flight.
 * Knobs: BENCH_EVENTS (20,000), BENCH_CONNECTIONS (64), BENCH_WARMUP (1,000).
 */
import nodemailer from 'nodemailer';
import pg from 'pg';
import { Redis } from 'ioredis';
import { startSmtpSink } from '@mc/smtp-sink';
import { BenchRun, EVENT_TYPE, REDIS_URL, call, fmt, inParallel, intKnob, postEvents, printFigures, printTable, programCpuMs, seconds, waitForProgress } from './support';

const EVENTS = intKnob('BENCH_EVENTS', 20_000);
const CONNECTIONS = intKnob('BENCH_CONNECTIONS', 64);
const WARMUP = intKnob('BENCH_WARMUP', 1_000, 0);
const POOL_SIZE = 5;

const TEMPLATE = {
  version: 1,
  eventType: EVENT_TYPE,
  channel: 'email',
  subject: 'Your order {{ ctx.orderId }} has shipped',
  html: '<p>Hello {{ ctx.firstName }},</p><p>your order <b>{{ ctx.orderId }}</b> ({{ ctx.items }} items, {{ ctx.total }} {{ ctx.currency }}) is on its way.</p>',
  text: 'Hello {{ ctx.firstName }},\n\nyour order {{ ctx.orderId }} ({{ ctx.items }} items, {{ ctx.total }} {{ ctx.currency }}) is on its way.\n',
};

/** CPU milliseconds this process used since `from`. */
const selfCpuMs = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1000;
};

const run = new BenchRun();
run.run(async () => {
  const sink = await startSmtpSink({ keep: 0 });
  let lastAt = 0;
  sink.onMessage(() => void (lastAt = performance.now()));
  const databaseUrl = run.database('e2e');
  const ours = await run.startExecution(databaseUrl, { MC_ROLE: 'all', SMTP_URL: sink.url, SMTP_POOL_SIZE: String(POOL_SIZE) });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  let polls = 0;
  const sent = async () => {
    polls++;
    return (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE status = 'sent'")).rows[0]?.n ?? 0;
  };
  const redis = new Redis(REDIS_URL);
  /** Statements (autocommit transactions) run on the bench database, and commands Redis processed. */
  const counters = async () => {
    const { rows } = await pool.query<{ n: string }>('SELECT (xact_commit + xact_rollback)::text AS n FROM pg_stat_database WHERE datname = current_database()');
    const info = await redis.info('stats');
    return { statements: Number(rows[0]?.n ?? 0), commands: Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0) };
  };
  try {
    await call(`${ours.url}/api/v1/templates/order-shipped`, 'PUT', run.controlKey, TEMPLATE, 200);
    if (WARMUP > 0) {
      await postEvents(ours.url, run.apiKey, 'warm', { connections: CONNECTIONS, amount: WARMUP });
      await waitForProgress('warm-up messages', () => sink.receivedCount, WARMUP);
      await waitForProgress('warm-up events sent', sent, WARMUP, 100);
    }

    await new Promise((resolve) => setTimeout(resolve, 1_100)); // PostgreSQL publishes its counters at most every second
    const countersBefore = await counters();
    const [pgBefore, redisBefore, pollsBefore] = [programCpuMs('postgres'), programCpuMs('redis-server'), polls];
    const [before, cpuBefore, selfBefore, started] = [sink.receivedCount, ours.cpuSeconds(), process.cpuUsage(), performance.now()];
    await postEvents(ours.url, run.apiKey, 'e2e', { connections: CONNECTIONS, amount: EVENTS });
    await waitForProgress('messages at the sink', () => sink.receivedCount - before, EVENTS, 5);
    const deliveredS = (lastAt - started) / 1000;
    const oursCpuMs = (ours.cpuSeconds() - cpuBefore) * 1000 + selfCpuMs(selfBefore);
    await waitForProgress('events sent', sent, WARMUP + EVENTS, 200);
    const sentS = seconds(started);
    const [pgMs, redisMs] = [programCpuMs('postgres') - pgBefore, programCpuMs('redis-server') - redisBefore];
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const countersAfter = await counters();
    // The bench's own polls and counter reads are statements too.
    const statements = countersAfter.statements - countersBefore.statements - (polls - pollsBefore) - 2;
    const commands = countersAfter.commands - countersBefore.commands;
    await ours.stop();

    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true, pool: true, maxConnections: POOL_SIZE, maxMessages: Infinity });
    const send = (index: number) =>
      transport.sendMail({
        from: 'Message Center <no-reply@message-center.local>',
        to: `customer.${index}@example.com`,
        subject: `Your order ${index} has shipped`,
        html: TEMPLATE.html.replaceAll('{{ ctx.orderId }}', String(index)),
        text: TEMPLATE.text.replaceAll('{{ ctx.orderId }}', String(index)),
      });
    await inParallel(Math.min(WARMUP, 1000), CONNECTIONS, send);
    const baseSelf = process.cpuUsage();
    const baseS = await inParallel(EVENTS, CONNECTIONS, send);
    const baseCpuMs = selfCpuMs(baseSelf);
    transport.close();

    printTable(`End to end, ${fmt(EVENTS)} events (baseline: nodemailer pool of ${POOL_SIZE} to the same sink)`, [
      { figure: 'delivered messages/s (HTTP → SMTP sink)', ours: EVENTS / deliveredS, baseline: EVENTS / baseS },
      { figure: 'events/s through to status `sent` (HTTP → SMTP → PostgreSQL)', ours: EVENTS / sentS, baseline: EVENTS / baseS },
      { figure: 'CPU ms per message (spawned app + this process; PostgreSQL and Redis not counted)', ours: oursCpuMs / EVENTS, baseline: baseCpuMs / EVENTS },
    ]);
    printFigures(`What one message costs (${fmt(EVENTS)} events, HTTP → SMTP → \`sent\`)`, [
      { figure: 'PostgreSQL CPU ms per message (all its processes)', value: pgMs / EVENTS },
      { figure: 'Redis CPU ms per message', value: redisMs / EVENTS },
      { figure: 'PostgreSQL statements per message (autocommit transactions on the database)', value: statements / EVENTS },
      { figure: 'Redis commands per message', value: commands / EVENTS },
    ]);
  } finally {
    redis.disconnect();
    await pool.end();
    await sink.close();
  }
});
