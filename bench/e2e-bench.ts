/**
 * `npm run bench:e2e`: events in over HTTP, email out over SMTP, status `sent` in PostgreSQL. An
 * execution instance (role `all`, spawned from its entry point) sends to an SMTP sink in this
 * process; BENCH_EVENTS real-time events are POSTed by autocannon over BENCH_CONNECTIONS
 * connections. Baseline, same run, same sink: the same number of messages sent with nodemailer's
 * pooled `sendMail` (pool of SMTP_POOL_SIZE = 5, as the instance's), BENCH_CONNECTIONS in flight.
 * Then latency at a steady BENCH_LATENCY_RATE events/s (100) for BENCH_LATENCY_SECONDS (10): POST
 * sent → SMTP accepted (clocks of this process) and received → `sent` (PostgreSQL's clock), beside
 * the floor of that measurement: nodemailer's sendMail → SMTP accepted at the same rate.
 * Knobs: BENCH_EVENTS (20,000), BENCH_CONNECTIONS (64), BENCH_WARMUP (1,000).
 */
import nodemailer from 'nodemailer';
import pg from 'pg';
import { Redis } from 'ioredis';
import { generateKeyPairSync } from 'node:crypto';
import { startSmtpSink } from '@mc/smtp-sink';
import { dkimKey, dkimSign } from '@mc/execution';
import { BenchRun, EVENT_TYPE, REDIS_URL, call, fmt, inParallel, intKnob, postEvents, printFigures, printTable, programCpuMs, seconds, waitForProgress } from './support';

const EVENTS = intKnob('BENCH_EVENTS', 20_000);
const CONNECTIONS = intKnob('BENCH_CONNECTIONS', 64);
const WARMUP = intKnob('BENCH_WARMUP', 1_000, 0);
const POOL_SIZE = 5;
const LATENCY_RATE = intKnob('BENCH_LATENCY_RATE', 100);
const LATENCY_SECONDS = intKnob('BENCH_LATENCY_SECONDS', 10);

/** The p-th percentile (0–100) of `values`, nearest rank. */
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * values.length) - 1)] ?? NaN;

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

/** Runs `task(i)` for i = 0…count-1 at a steady `rate` per second (each at its due time), and waits for all. */
async function atSteadyRate(count: number, rate: number, task: (index: number) => Promise<unknown>): Promise<void> {
  const started = performance.now();
  const running: Array<Promise<unknown>> = [];
  for (let index = 0; index < count; index++) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + (index * 1000) / rate - performance.now())));
    running.push(task(index));
  }
  await Promise.all(running);
}

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

    // Latency at a steady rate: each event's POST start, and when the sink accepted its message.
    const postedAt = new Map<string, number>();
    const answeredAt = new Map<string, number>();
    const acceptedAt = new Map<string, number>();
    let sample = '';
    sink.onMessage((message) => {
      const eventId = /^X-Message-Center-Event: (\S+)/m.exec(message.raw)?.[1];
      if (eventId) acceptedAt.set(eventId, performance.now());
      sample ||= message.raw;
    });
    const total = LATENCY_RATE * LATENCY_SECONDS;
    const ids: string[] = [];
    await atSteadyRate(total, LATENCY_RATE, async (index) => {
      const at = performance.now();
      const body = (await call(`${ours.url}/api/v1/events`, 'POST', run.apiKey, { type: EVENT_TYPE, email: `steady.${index}@example.com`, ctx: { orderId: String(index), firstName: 'Ada' } }, 202)) as { id: string };
      postedAt.set(body.id, at);
      answeredAt.set(body.id, performance.now());
      ids.push(body.id);
    });
    await waitForProgress('steady messages', () => ids.filter((id) => acceptedAt.has(id)).length, total, 50);
    await waitForProgress('steady events sent', async () => (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE id = ANY($1::uuid[]) AND status = 'sent'", [ids])).rows[0]?.n ?? 0, total, 200);
    const toSmtp = ids.map((id) => (acceptedAt.get(id) as number) - (postedAt.get(id) as number));
    // From the 202 as this process read it (the message may be at the sink first: below 0).
    const answerToSmtp = ids.map((id) => (acceptedAt.get(id) as number) - (answeredAt.get(id) as number));
    const { rows: toSent } = await pool.query<{ ms: number }>('SELECT extract(epoch FROM updated_at - created_at)::float8 * 1000 AS ms FROM events WHERE id = ANY($1::uuid[])', [ids]);
    const sentMs = toSent.map((row) => row.ms);
    await ours.stop();

    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true, pool: true, maxConnections: POOL_SIZE, maxMessages: Infinity });
    const send = (index: number, headers: Record<string, string> = {}) =>
      transport.sendMail({
        headers,
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
    // The latency floor of this measurement: the same steady rate, sendMail called → accepted at the sink.
    const sentAt = new Map<string, number>();
    const floorMs: number[] = [];
    sink.onMessage((message) => {
      const tag = /^X-Steady: (\S+)/m.exec(message.raw)?.[1];
      const at = tag === undefined ? undefined : sentAt.get(tag);
      if (at !== undefined) floorMs.push(performance.now() - at);
    });
    await atSteadyRate(total, LATENCY_RATE, (index) => {
      sentAt.set(String(index), performance.now());
      return send(index, { 'X-Steady': String(index) });
    });
    await waitForProgress('steady baseline messages', () => floorMs.length, total, 20);
    transport.close();

    // What DKIM signing (MC_DKIM_*) adds per message: the instance's own signer on one of the messages it sent.
    const signing = (['rsa', 'ed25519'] as const).map((type) => {
      const { privateKey } = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
      const key = dkimKey({ domain: 'shop.example', selector: 'bench', privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() });
      const rounds = 2_000;
      const from = process.cpuUsage();
      for (let index = 0; index < rounds; index++) dkimSign(sample, key);
      return { type, ms: selfCpuMs(from) / rounds };
    });

    printTable(`End to end, ${fmt(EVENTS)} events (baseline: nodemailer pool of ${POOL_SIZE} to the same sink)`, [
      { figure: 'delivered messages/s (HTTP → SMTP sink)', ours: EVENTS / deliveredS, baseline: EVENTS / baseS },
      { figure: 'events/s through to status `sent` (HTTP → SMTP → PostgreSQL)', ours: EVENTS / sentS, baseline: EVENTS / baseS },
      { figure: 'CPU ms per message (spawned app + this process; PostgreSQL and Redis not counted)', ours: oursCpuMs / EVENTS, baseline: baseCpuMs / EVENTS },
    ]);
    printFigures(`What one message costs (${fmt(EVENTS)} events, HTTP → SMTP → \`sent\`)`, [
      { figure: 'PostgreSQL CPU ms per message (all its processes)', value: pgMs / EVENTS },
      { figure: 'Redis CPU ms per message', value: redisMs / EVENTS },
      { figure: 'PostgreSQL statements per message (autocommit transactions on the database)', value: statements / EVENTS },
      { figure: 'events per PostgreSQL statement', value: EVENTS / statements },
      { figure: 'Redis commands per message', value: commands / EVENTS },
    ]);
    printFigures('DKIM signing, CPU ms per message (on top of the CPU per message above)', [
      ...signing.map(({ type, ms }) => ({ figure: `${type === 'rsa' ? 'RSA 2048, rsa-sha256' : 'Ed25519, ed25519-sha256'} (${((ms / (oursCpuMs / EVENTS)) * 100).toFixed(0)} % of ours)`, value: ms })),
    ]);
    printFigures(`Latency at ${fmt(LATENCY_RATE)} events/s for ${LATENCY_SECONDS} s (ms)`, [
      { figure: 'POST sent → SMTP accepted, p50', value: percentile(toSmtp, 50) },
      { figure: 'POST sent → SMTP accepted, p99', value: percentile(toSmtp, 99) },
      { figure: '202 read → SMTP accepted, p50', value: percentile(answerToSmtp, 50) },
      { figure: '202 read → SMTP accepted, p99', value: percentile(answerToSmtp, 99) },
      { figure: 'baseline: nodemailer sendMail called → SMTP accepted at the same rate, p50', value: percentile(floorMs, 50) },
      { figure: 'baseline: nodemailer sendMail called → SMTP accepted at the same rate, p99', value: percentile(floorMs, 99) },
      { figure: 'received → status `sent`, p50', value: percentile(sentMs, 50) },
      { figure: 'received → status `sent`, p99', value: percentile(sentMs, 99) },
    ]);
  } finally {
    redis.disconnect();
    await pool.end();
    await sink.close();
  }
});
