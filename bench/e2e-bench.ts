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
import { startSmtpSink } from '@mc/smtp-sink';
import { BenchRun, EVENT_TYPE, call, fmt, inParallel, intKnob, postEvents, printTable, seconds, waitForProgress } from './support';

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
  const sent = async () => (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE status = 'sent'")).rows[0]?.n ?? 0;
  try {
    await call(`${ours.url}/api/v1/templates/order-shipped`, 'PUT', run.controlKey, TEMPLATE, 200);
    if (WARMUP > 0) {
      await postEvents(ours.url, run.apiKey, 'warm', { connections: CONNECTIONS, amount: WARMUP });
      await waitForProgress('warm-up messages', () => sink.receivedCount, WARMUP);
      await waitForProgress('warm-up events sent', sent, WARMUP, 100);
    }

    const [before, cpuBefore, selfBefore, started] = [sink.receivedCount, ours.cpuSeconds(), process.cpuUsage(), performance.now()];
    await postEvents(ours.url, run.apiKey, 'e2e', { connections: CONNECTIONS, amount: EVENTS });
    await waitForProgress('messages at the sink', () => sink.receivedCount - before, EVENTS, 5);
    const deliveredS = (lastAt - started) / 1000;
    const oursCpuMs = (ours.cpuSeconds() - cpuBefore) * 1000 + selfCpuMs(selfBefore);
    await waitForProgress('events sent', sent, WARMUP + EVENTS, 50);
    const sentS = seconds(started);
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
  } finally {
    await pool.end();
    await sink.close();
  }
});
