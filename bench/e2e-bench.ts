/**
 * End-to-end benchmark: `npm run bench:e2e`.
 *
 * Events in over HTTP, email out over SMTP, status `sent` in PostgreSQL — measured on a real
 * SMTP server, beside a bare BullMQ baseline measured in the same run on the same machine:
 *
 *   throughput  N real-time events POSTed by autocannon over many connections; delivered
 *               messages/s = messages the SMTP sink received ÷ time from the first POST to the
 *               last message received. Then how many events reached `sent`, and when.
 *   latency     a steady R events/s for S seconds, one request each; per event, from its 202
 *               (received by the client) to its message complete at the SMTP sink (matched by the
 *               `X-Message-Center-Event` header), and to `sent` in PostgreSQL (the row's
 *               `updated_at`, written by the updateEventStatus scheduler).
 *   baseline    N × `queue.add` on the same catalog queue (same job options, same number in
 *               flight, no HTTP) and a Worker with a no-op processor in the same process:
 *               completed jobs/s from the first add to the last completion.
 *
 * Processes: this one (load generator, PostgreSQL poller), the execution instance (role `all`,
 * `intake-bench-server.ts ours`), the SMTP sink and the baseline (`e2e-bench-children.ts`).
 * Times are the machine's monotonic clock (`monoMs`), the sink's aligned on ours by an IPC ping;
 * `updated_at` is compared with `Date.now()` (same host, same clock). Everything the run creates
 * (a `mc_bench_*` database, two Redis prefixes, the children) is removed at the end.
 *
 * Knobs (environment):
 *   BENCH_E2E_EVENTS       events in the throughput scenario and jobs in the baseline (default 20,000)
 *   BENCH_E2E_CONNECTIONS  concurrent HTTP connections, and adds in flight in the baseline (default 64)
 *   BENCH_E2E_RATE         events per second in the latency scenario (default 100)
 *   BENCH_E2E_SECONDS      seconds of the latency scenario (default 12)
 *   BENCH_E2E_WARMUP       warm-up events before the scenarios, and warm-up jobs of the baseline (default 1,000)
 *   BENCH_E2E_STALL_S      give up waiting when nothing progressed for this long (default 20)
 *   BENCH_CPU_PROF         a folder: each child writes V8 CPU profiles (--cpu-prof) under <folder>/<execution|sink|bullmq>-<run id>/
 *                          (one per thread; the largest is the main thread)
 *   BENCH_POSTGRES_URL     maintenance database URL (default postgresql://postgres@127.0.0.1:5432/postgres)
 *   REDIS_URL              default redis://127.0.0.1:6379
 *   RT_WORKER_CONCURRENCY, SMTP_POOL_SIZE, DATABASE_POOL_SIZE, STATUS_SYNC_EVERY_MS, …  passed to the
 *                          execution instance as they are; RT_WORKER_CONCURRENCY (default 50) is also
 *                          the baseline worker's concurrency.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import { EXECUTION_MIGRATIONS_DIR, createDatabaseIfMissing, migrate } from '@mc/db';
import { monoMs } from './bench-child';
import {
  checkMachineIdle,
  clockOffsetMs,
  cpuSnapshot,
  databaseUrl,
  describeCounters,
  describeCpu,
  describeMachine,
  fmt,
  intKnob,
  createBenchCleanup,
  describeFailures,
  log,
  percentile,
  readCounters,
  sleep,
  startChild,
  type ChildServer,
  type CounterSource,
  type CpuUse,
} from './bench-support';
import type { BaselineRun, E2eChildMessage, E2eChildMode, ReceivedRecord } from './e2e-bench-children';

// ---------------------------------------------------------------------------------------------
// Configuration

const knobs = {
  events: intKnob('BENCH_E2E_EVENTS', 20_000),
  connections: intKnob('BENCH_E2E_CONNECTIONS', 64),
  rate: intKnob('BENCH_E2E_RATE', 100),
  seconds: intKnob('BENCH_E2E_SECONDS', 12),
  warmup: intKnob('BENCH_E2E_WARMUP', 1_000, 0),
  stallMs: intKnob('BENCH_E2E_STALL_S', 20) * 1_000,
  workerConcurrency: intKnob('RT_WORKER_CONCURRENCY', 50),
  cpuProfDir: process.env.BENCH_CPU_PROF,
  postgresUrl: process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
};

const GOALS = {
  deliveredPerSecond: 5_000,
  ratio: 0.25,
  p50AcceptToSmtpMs: 5,
  p99AcceptToSmtpMs: 25,
  p99AcceptToSentMs: 1_100,
};

const RUN_ID = randomBytes(5).toString('hex');
const API_KEY = `mc_bench_${randomBytes(24).toString('hex')}`;
const CONTROL_KEY = `mc_bench_control_${randomBytes(24).toString('hex')}`;
const INSTANCE_NAME = 'bench';
const EVENT_TYPE = 'order.shipped';

const TEMPLATE = {
  version: 1,
  eventType: EVENT_TYPE,
  channel: 'email',
  subject: 'Your order {{ ctx.orderId }} has shipped',
  html: '<p>Hello {{ ctx.firstName }},</p><p>your order <b>{{ ctx.orderId }}</b> ({{ ctx.items }} items, {{ ctx.total }} {{ ctx.currency }}) is on its way.</p>',
  text: 'Hello {{ ctx.firstName }},\n\nyour order {{ ctx.orderId }} ({{ ctx.items }} items, {{ ctx.total }} {{ ctx.currency }}) is on its way.\n',
};

/** An event body; `tag` is replaced per request (autocannon `[<id>]`, or a counter). */
function eventBody(phase: string, tag: string): string {
  return JSON.stringify({
    type: EVENT_TYPE,
    email: `customer.${tag}@example.com`,
    externalId: `${phase}-${RUN_ID}-${tag}`,
    ctx: { orderId: tag, firstName: 'Ada', total: '42.90', currency: 'EUR', items: 2 },
  });
}

// ---------------------------------------------------------------------------------------------
// What the SMTP sink received

/** Messages the sink reported, by event id, with their arrival on this process's clock. */
class Receptions {
  /** Event id → monoMs() (ours) when its first message was complete at the sink. */
  readonly at = new Map<string, number>();
  /** Event id → Message-ID of its first message. */
  readonly messageIds = new Map<string, string>();
  /** Messages for an event that had one already (a re-send). */
  duplicates = 0;
  /** Messages without an `X-Message-Center-Event` header. */
  unmatched = 0;
  /** Arrival of the latest new event's message (ours). */
  lastAt = 0;
  private offsetMs = 0;

  constructor(sink: ChildServer) {
    sink.child.on('message', (message: E2eChildMessage) => {
      if ('received' in message) this.add(message.received);
    });
  }

  /** The sink's clock minus ours (`clockOffsetMs`). */
  setOffset(offsetMs: number): void {
    this.offsetMs = offsetMs;
  }

  get unique(): number {
    return this.at.size;
  }

  private add(records: readonly ReceivedRecord[]): void {
    for (const [eventId, messageId, sinkAt] of records) {
      if (!eventId) {
        this.unmatched += 1;
        continue;
      }
      if (this.at.has(eventId)) {
        this.duplicates += 1;
        continue;
      }
      const at = sinkAt - this.offsetMs;
      this.at.set(eventId, at);
      this.messageIds.set(eventId, messageId);
      if (at > this.lastAt) this.lastAt = at;
    }
  }
}

/**
 * Polls `progress` every `everyMs` until it reaches `target`; false when it stood still for
 * `knobs.stallMs` (something is stuck: the caller reports what it got).
 */
async function waitFor(progress: () => number | Promise<number>, target: number, everyMs: number): Promise<boolean> {
  let last = -1;
  let lastMoved = monoMs();
  for (;;) {
    const value = await progress();
    if (value >= target) return true;
    if (value !== last) {
      last = value;
      lastMoved = monoMs();
    } else if (monoMs() - lastMoved > knobs.stallMs) {
      return false;
    }
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

interface PhaseStatus {
  total: number;
  sent: number;
  byStatus: Record<string, number>;
  /** Latest `updated_at` of a sent event (ms since the epoch). */
  lastSentMs: number;
}

async function phaseStatus(pool: pg.Pool, phase: string): Promise<PhaseStatus> {
  const { rows } = await pool.query<{ status: string; count: string; last_ms: number | null }>(
    `SELECT status, count(*) AS count, (extract(epoch FROM max(updated_at)) * 1000)::float8 AS last_ms
     FROM events WHERE external_id LIKE $1 GROUP BY status`,
    [`${phase}-${RUN_ID}-%`],
  );
  const byStatus = Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  const sentRow = rows.find((row) => row.status === 'sent');
  return {
    total: rows.reduce((sum, row) => sum + Number(row.count), 0),
    sent: byStatus.sent ?? 0,
    byStatus,
    lastSentMs: sentRow?.last_ms ?? Number.NaN,
  };
}

const describeStatuses = (status: PhaseStatus) =>
  Object.entries(status.byStatus)
    .map(([name, count]) => `${name} ${fmt(count)}`)
    .join(', ');

/** Events whose sink Message-ID is not `<their delivery log id@instance.message-center>`. */
async function messageIdMismatches(pool: pg.Pool, receptions: Receptions): Promise<number> {
  const { rows } = await pool.query<{ event_id: string; id: string }>('SELECT event_id, id FROM delivery_logs');
  let mismatches = 0;
  for (const row of rows) {
    const received = receptions.messageIds.get(row.event_id);
    if (received !== undefined && received !== `<${row.id}@${INSTANCE_NAME}.message-center>`) mismatches += 1;
  }
  return mismatches;
}

// ---------------------------------------------------------------------------------------------
// HTTP

async function publishTemplate(port: number): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/api/v1/templates/bench-order-shipped`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${CONTROL_KEY}` },
    body: JSON.stringify(TEMPLATE),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`publishing the template answered ${response.status}: ${text.slice(0, 500)}`);
}

/** `amount` events over `knobs.connections` connections, as fast as they are answered. */
function fireEvents(port: number, phase: string, amount: number): Promise<autocannon.Result> {
  return autocannon({
    url: `http://127.0.0.1:${port}/api/v1/events`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    body: eventBody(phase, '[<id>]'),
    idReplacement: true,
    connections: knobs.connections,
    amount,
    timeout: 30,
  });
}

interface Accepted {
  id: string;
  sentAt: number;
  /** monoMs() when the 202's head arrived. */
  acceptedAt: number;
  /** Date.now() at the same moment, to compare with `updated_at`. */
  acceptedEpochMs: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

/** One POST /api/v1/events, timed at the arrival of the answer's head. */
function postEvent(port: number, body: string): Promise<Accepted> {
  return new Promise<Accepted>((resolve, reject) => {
    const sentAt = monoMs();
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/v1/events',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${API_KEY}` },
      },
      (response) => {
        const acceptedAt = monoMs();
        const acceptedEpochMs = Date.now();
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (response.statusCode !== 202) {
            reject(new Error(`POST /api/v1/events answered ${String(response.statusCode)}: ${text.slice(0, 300)}`));
            return;
          }
          resolve({ id: (JSON.parse(text) as { id: string }).id, sentAt, acceptedAt, acceptedEpochMs });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

// ---------------------------------------------------------------------------------------------
// Scenarios

interface Setup {
  pool: pg.Pool;
  counters: CounterSource;
  ours: ChildServer;
  sink: ChildServer;
  receptions: Receptions;
}

async function warmUp({ pool, ours, receptions }: Setup): Promise<void> {
  if (knobs.warmup === 0) return;
  const before = receptions.unique;
  const result = await fireEvents(ours.port, 'warm', knobs.warmup);
  const delivered = await waitFor(() => receptions.unique - before, result['2xx'], 10);
  const sent = await waitFor(async () => (await phaseStatus(pool, 'warm')).sent, result['2xx'], 100);
  const failures = describeFailures(result);
  log(
    `  warm-up: ${fmt(result['2xx'])} events, ${fmt(receptions.unique - before)} messages received` +
      (delivered && sent ? ', all sent' : ' — NOT ALL DELIVERED AND SENT') +
      (failures ? ` — FAILURES: ${failures}` : ''),
  );
}

interface ThroughputResult {
  accepted: number;
  received: number;
  seconds: number;
  deliveredPerSecond: number;
  httpSeconds: number;
  status: PhaseStatus;
  allSentMs: number;
  cpu: CpuUse;
  failures?: string;
}

async function runThroughput({ pool, counters, ours, sink, receptions }: Setup): Promise<ThroughputResult> {
  const countersBefore = await readCounters(counters);
  const before = receptions.unique;
  const cpuBefore = await cpuSnapshot([ours, sink]);
  const startedAt = monoMs();
  const startedEpochMs = Date.now();
  const result = await fireEvents(ours.port, 'tput', knobs.events);
  const httpSeconds = (monoMs() - startedAt) / 1_000;
  const accepted = result['2xx'];
  const allReceived = await waitFor(() => receptions.unique - before, accepted, 5);
  const cpu = describeCpu(cpuBefore, await cpuSnapshot([ours, sink]), 'autocannon (this process)');
  const received = receptions.unique - before;
  const seconds = (receptions.lastAt - startedAt) / 1_000;
  const deliveredPerSecond = received / seconds;
  const failures = describeFailures(result);
  log(
    `  HTTP: ${fmt(accepted)} × 2xx in ${httpSeconds.toFixed(2)} s = ${fmt(accepted / httpSeconds)} events/s accepted; ` +
      `latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms` +
      (failures ? `\n  HTTP FAILURES: ${failures}` : ''),
  );
  log(
    `  SMTP: ${fmt(received)} messages received, the last ${seconds.toFixed(2)} s after the first POST = ${fmt(deliveredPerSecond)} delivered messages/s` +
      (allReceived ? '' : ` — STALLED: ${fmt(accepted - received)} never arrived`),
  );
  log(`  ${cpu.text}`);

  await waitFor(async () => (await phaseStatus(pool, 'tput')).sent, accepted, 100);
  const status = await phaseStatus(pool, 'tput');
  const allSentMs = status.lastSentMs - startedEpochMs;
  log(
    `  PostgreSQL: ${fmt(status.sent)} of ${fmt(status.total)} events sent (${describeStatuses(status)}); ` +
      `${status.sent === accepted ? 'all' : 'the last of them'} sent ${(allSentMs / 1_000).toFixed(2)} s after the first POST`,
  );
  const trips = describeCounters(countersBefore, await readCounters(counters), accepted, true);
  if (trips) log(`  ${trips} (the whole scenario: intake, linking, delivery, status sync)`);
  return { accepted, received, seconds, deliveredPerSecond, httpSeconds, status, allSentMs, cpu, failures };
}

interface LatencyResult {
  events: number;
  accepted: number;
  httpMs: number[];
  toSmtpMs: number[];
  toSentMs: number[];
  toSeenSentMs: number[];
  missingSmtp: number;
  missingSent: number;
  /** Events whose message was at the sink before their 202 was at the client: [202 → SMTP, POST → 202]. */
  early: Array<[number, number]>;
  errors: string[];
  cpu: CpuUse;
}

async function runLatency({ pool, ours, sink, receptions }: Setup): Promise<LatencyResult> {
  const count = knobs.rate * knobs.seconds;
  const interval = 1_000 / knobs.rate;
  const accepted: Accepted[] = [];
  const errors: string[] = [];
  /** Event id → [monoMs() when first seen sent by the poller, updated_at in ms since the epoch]. */
  const seenSent = new Map<string, [number, number]>();
  let sending = true;

  // The poller: which accepted events are `sent` now (a reader's view, ±10 ms on average).
  const poller = (async () => {
    let stalledSince = monoMs();
    for (;;) {
      const waiting = accepted.filter((event) => !seenSent.has(event.id)).map((event) => event.id);
      if (!sending && waiting.length === 0) return;
      if (waiting.length > 0) {
        const { rows } = await pool.query<{ id: string; updated_ms: number }>(
          `SELECT id, (extract(epoch FROM updated_at) * 1000)::float8 AS updated_ms FROM events WHERE id = ANY($1::uuid[]) AND status = 'sent'`,
          [waiting],
        );
        const at = monoMs();
        for (const row of rows) seenSent.set(row.id, [at, row.updated_ms]);
        if (rows.length > 0) stalledSince = at;
      }
      if (!sending && monoMs() - stalledSince > knobs.stallMs) return;
      await sleep(20);
    }
  })();

  const cpuBefore = await cpuSnapshot([ours, sink]);
  const start = monoMs() + 20;
  const requests: Array<Promise<void>> = [];
  for (let index = 0; index < count; index++) {
    const wait = start + index * interval - monoMs();
    if (wait > 1) await sleep(wait);
    requests.push(
      postEvent(ours.port, eventBody('lat', `${index}`)).then(
        (event) => void accepted.push(event),
        (thrown: unknown) => void errors.push(thrown instanceof Error ? thrown.message : String(thrown)),
      ),
    );
  }
  await Promise.all(requests);
  const cpu = describeCpu(cpuBefore, await cpuSnapshot([ours, sink]), 'load generator (this process)');
  sending = false;
  await waitFor(() => accepted.filter((event) => receptions.at.has(event.id)).length, accepted.length, 10);
  await poller;

  const httpMs: number[] = [];
  const toSmtpMs: number[] = [];
  const toSentMs: number[] = [];
  const toSeenSentMs: number[] = [];
  const early: Array<[number, number]> = [];
  for (const event of accepted) {
    httpMs.push(event.acceptedAt - event.sentAt);
    const smtpAt = receptions.at.get(event.id);
    if (smtpAt !== undefined) toSmtpMs.push(smtpAt - event.acceptedAt);
    if (smtpAt !== undefined && smtpAt < event.acceptedAt) early.push([smtpAt - event.acceptedAt, event.acceptedAt - event.sentAt]);
    const sent = seenSent.get(event.id);
    if (sent) {
      toSeenSentMs.push(sent[0] - event.acceptedAt);
      toSentMs.push(sent[1] - event.acceptedEpochMs);
    }
  }
  return {
    events: count,
    accepted: accepted.length,
    httpMs,
    toSmtpMs,
    toSentMs,
    toSeenSentMs,
    missingSmtp: accepted.length - toSmtpMs.length,
    missingSent: accepted.length - toSentMs.length,
    early,
    errors,
    cpu,
  };
}

const ms = (value: number) => (Number.isNaN(value) ? 'n/a' : value < 10 ? value.toFixed(2) : value.toFixed(0));
const spread = (values: readonly number[]) =>
  `p50 ${ms(percentile(values, 50))} ms, p99 ${ms(percentile(values, 99))} ms, max ${ms(Math.max(...values))} ms, min ${ms(Math.min(...values))} ms`;

function reportLatency(result: LatencyResult): void {
  log(
    `  ${fmt(result.accepted)} of ${fmt(result.events)} events accepted at ${knobs.rate}/s` +
      (result.errors.length > 0 ? ` — ${result.errors.length} FAILED, first: ${result.errors[0] ?? ''}` : ''),
  );
  log(`  POST → 202:             ${spread(result.httpMs)}`);
  log(`  202 → SMTP accepted:    ${spread(result.toSmtpMs)}${result.missingSmtp > 0 ? ` — ${result.missingSmtp} NEVER ARRIVED` : ''}`);
  if (result.early.length > 0) {
    log(
      `  ${result.early.length} message(s) complete at the sink before the client had their 202: ` +
        result.early.map(([toSmtp, http]) => `${ms(-toSmtp)} ms early (POST → 202 took ${ms(http)} ms)`).slice(0, 5).join('; '),
    );
  }
  log(`  202 → sent (updated_at): ${spread(result.toSentMs)}${result.missingSent > 0 ? ` — ${result.missingSent} NEVER SENT` : ''}`);
  log(`  202 → sent seen by a poller every 20 ms: ${spread(result.toSeenSentMs)}`);
  log(`  ${result.cpu.text}`);
}

interface BaselineResult {
  jobsPerSecond: number;
  run: BaselineRun;
  cpu: CpuUse;
}

function orderBaseline(server: ChildServer, count: number): Promise<BaselineRun> {
  return new Promise<BaselineRun>((resolve, reject) => {
    const onMessage = (message: E2eChildMessage) => {
      if ('baseline' in message) resolve(message.baseline);
      else if ('baselineError' in message) reject(new Error(`baseline failed: ${message.baselineError}`));
      else return;
      server.child.off('message', onMessage);
    };
    server.child.on('message', onMessage);
    server.child.send({ run: { count, concurrency: knobs.connections, workers: knobs.workerConcurrency } });
  });
}

async function runBaseline(prefix: string, counters: CounterSource): Promise<BaselineResult> {
  const bullmq = await startE2eChild('bullmq', 'bullmq process', { REDIS_URL: knobs.redisUrl, MC_QUEUE_PREFIX: prefix });
  try {
    if (knobs.warmup > 0) await orderBaseline(bullmq, knobs.warmup);
    const countersBefore = await readCounters(counters);
    const before = await cpuSnapshot([bullmq]);
    const run = await orderBaseline(bullmq, knobs.events);
    const cpu = describeCpu(before, await cpuSnapshot([bullmq]), 'this process (idle)');
    const trips = describeCounters(countersBefore, await readCounters(counters), run.completed, false);
    const seconds = (run.lastCompletedAt - run.firstAddAt) / 1_000;
    const jobsPerSecond = run.completed / seconds;
    log(
      `  ${fmt(run.completed)} of ${fmt(run.count)} jobs completed ${seconds.toFixed(2)} s after the first add = ${fmt(jobsPerSecond)} jobs/s ` +
        `(adds done after ${((run.addsDoneAt - run.firstAddAt) / 1_000).toFixed(2)} s${run.failed > 0 ? `, ${run.failed} FAILED` : ''})`,
    );
    log(`  ${cpu.text}`);
    if (trips) log(`  ${trips}`);
    return { jobsPerSecond, run, cpu };
  } finally {
    await bullmq.close();
  }
}

function startE2eChild(mode: E2eChildMode, label: string, env: Record<string, string>): Promise<ChildServer> {
  return startChild({
    script: path.join(__dirname, 'e2e-bench-children.ts'),
    args: [mode],
    label,
    profileName: mode,
    env,
    cpuProfDir: knobs.cpuProfDir,
    runId: RUN_ID,
  });
}

// ---------------------------------------------------------------------------------------------
// The run

async function main(): Promise<void> {
  const dbName = `mc_bench_${RUN_ID}`;
  const dbUrl = databaseUrl(knobs.postgresUrl, dbName);
  const oursPrefix = `{mc-bench-e2e-${RUN_ID}}`;
  const basePrefix = `{mc-bench-e2e-base-${RUN_ID}}`;
  let pool: pg.Pool | undefined;
  let statsRedis: Redis | undefined;
  const cleanup = createBenchCleanup(() => ({
    release: async () => {
      agent.destroy();
      await pool?.end();
      statsRedis?.disconnect();
    },
    databases: { [dbName]: dbUrl },
    redisUrl: knobs.redisUrl,
    prefixes: [oursPrefix, basePrefix],
  }));

  try {
    log(`End-to-end benchmark — database ${dbName}, queue prefixes ${oursPrefix} / ${basePrefix}`);
    log(
      `settings: throughput ${fmt(knobs.events)} events over ${knobs.connections} connections; latency ${knobs.rate} events/s for ${knobs.seconds} s; ` +
        `warm-up ${fmt(knobs.warmup)} events; baseline worker concurrency ${knobs.workerConcurrency}`,
    );
    await checkMachineIdle();
    await createDatabaseIfMissing(dbUrl);
    await migrate({ databaseUrl: dbUrl, migrationsDir: EXECUTION_MIGRATIONS_DIR });
    pool = new pg.Pool({ connectionString: dbUrl, max: 4 });
    statsRedis = new Redis(knobs.redisUrl);
    const machine = await describeMachine(pool, statsRedis);

    log('\n[ours] SMTP sink process + execution instance process (role all)');
    const sink = await startE2eChild('sink', 'SMTP sink process', {});
    const receptions = new Receptions(sink);
    const clock = await clockOffsetMs(sink);
    receptions.setOffset(clock.offsetMs);
    log(`  sink on port ${sink.port}; its clock is ${clock.offsetMs.toFixed(3)} ms ahead of ours (± ${clock.uncertaintyMs.toFixed(3)} ms)`);
    const ours = await startChild({
      script: path.join(__dirname, 'intake-bench-server.ts'),
      args: ['ours'],
      label: 'execution process',
      profileName: 'execution',
      env: {
        NODE_ENV: 'production',
        MC_ROLE: 'all',
        EXECUTION_PORT: '0',
        EXECUTION_DATABASE_URL: dbUrl,
        REDIS_URL: knobs.redisUrl,
        MC_QUEUE_PREFIX: oursPrefix,
        MC_INSTANCE_NAME: INSTANCE_NAME,
        MC_API_KEY: API_KEY,
        MC_CONTROL_CREDENTIAL: CONTROL_KEY,
        SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
        LOG_LEVEL: 'error',
        LOG_FORMAT: 'json',
      },
      cpuProfDir: knobs.cpuProfDir,
      runId: RUN_ID,
    });
    await publishTemplate(ours.port);
    const setup: Setup = { pool, counters: { pool, redis: statsRedis, dbName }, ours, sink, receptions };

    let throughput: ThroughputResult;
    let latency: LatencyResult;
    let mismatches: number;
    try {
      await warmUp(setup);
      log(`\n[ours] throughput: ${fmt(knobs.events)} events, ${knobs.connections} connections`);
      throughput = await runThroughput(setup);
      log(`\n[ours] latency: ${knobs.rate} events/s for ${knobs.seconds} s`);
      latency = await runLatency(setup);
      reportLatency(latency);
      mismatches = await messageIdMismatches(pool, receptions);
      log(
        `  sink overall: ${fmt(receptions.unique)} events received, ${receptions.duplicates} duplicate messages, ${receptions.unmatched} without event header, ` +
          `${mismatches} Message-IDs not matching their delivery log`,
      );
    } finally {
      await ours.close();
      await sink.close();
    }

    log(`\n[baseline] bare BullMQ: ${fmt(knobs.events)} × queue.add (${knobs.connections} in flight) + no-op Worker (concurrency ${knobs.workerConcurrency}), one process`);
    const baseline = await runBaseline(basePrefix, { pool, redis: statsRedis, dbName });

    // --- report -------------------------------------------------------------------------------
    const ratio = throughput.deliveredPerSecond / baseline.jobsPerSecond;
    const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
    const p50Smtp = percentile(latency.toSmtpMs, 50);
    const p99Smtp = percentile(latency.toSmtpMs, 99);
    const p99Sent = percentile(latency.toSentMs, 99);
    log('\n## End-to-end benchmark\n');
    log('| metric | ours | baseline | ratio | goal |');
    log('|---|---:|---:|---:|---|');
    log(
      `| delivered messages/s (${fmt(knobs.events)} events, ${knobs.connections} conn.; baseline: completed no-op jobs/s) | ${fmt(throughput.deliveredPerSecond)} | ` +
        `${fmt(baseline.jobsPerSecond)} | ${ratio.toFixed(2)}× | ≥ ${fmt(GOALS.deliveredPerSecond)}/s and ≥ ${GOALS.ratio}× — ` +
        `${met(throughput.deliveredPerSecond >= GOALS.deliveredPerSecond && ratio >= GOALS.ratio)} |`,
    );
    log(`| p50 accept→SMTP at ${knobs.rate}/s | ${ms(p50Smtp)} ms | – | – | ≤ ${GOALS.p50AcceptToSmtpMs} ms — ${met(p50Smtp <= GOALS.p50AcceptToSmtpMs)} |`);
    log(`| p99 accept→SMTP at ${knobs.rate}/s | ${ms(p99Smtp)} ms | – | – | ≤ ${GOALS.p99AcceptToSmtpMs} ms — ${met(p99Smtp <= GOALS.p99AcceptToSmtpMs)} |`);
    log(`| p99 accept→sent at ${knobs.rate}/s | ${ms(p99Sent)} ms | – | – | ≤ ${(GOALS.p99AcceptToSentMs / 1_000).toFixed(1)} s — ${met(p99Sent <= GOALS.p99AcceptToSentMs)} |`);
    log('');
    log(
      `Throughput details: ${fmt(throughput.status.sent)} of ${fmt(throughput.accepted)} accepted events reached \`sent\`, the last ${(throughput.allSentMs / 1_000).toFixed(2)} s ` +
        `after the first POST; HTTP intake alone took ${throughput.httpSeconds.toFixed(2)} s (${fmt(throughput.accepted / throughput.httpSeconds)} events/s). ` +
        `Latency details: max accept→SMTP ${ms(Math.max(...latency.toSmtpMs))} ms, p50 accept→sent ${ms(percentile(latency.toSentMs, 50))} ms.`,
    );
    log(machine);
    log(describeLimits(throughput, baseline.cpu));

    const problems = [
      throughput.failures && `throughput HTTP failures: ${throughput.failures}`,
      throughput.received < throughput.accepted && `${throughput.accepted - throughput.received} throughput messages never reached the sink`,
      throughput.status.sent < throughput.accepted && `${throughput.accepted - throughput.status.sent} throughput events not sent (${describeStatuses(throughput.status)})`,
      latency.errors.length > 0 && `${latency.errors.length} latency requests failed`,
      latency.missingSmtp > 0 && `${latency.missingSmtp} latency messages never reached the sink`,
      latency.missingSent > 0 && `${latency.missingSent} latency events never sent`,
      mismatches > 0 && `${mismatches} Message-IDs did not match their delivery log`,
      baseline.run.completed < baseline.run.count && `baseline completed ${baseline.run.completed} of ${baseline.run.count} jobs`,
    ].filter((problem): problem is string => typeof problem === 'string');
    for (const problem of problems) log(`PROBLEM: ${problem}`);
    if (problems.length > 0) process.exitCode = 1;
  } finally {
    await cleanup();
  }
}

/**
 * What limited the throughput scenario: CPU per delivered message in each process (from its share
 * of a core and the delivery rate), and the ceiling that cost implies on this machine's cores.
 */
function describeLimits(throughput: ThroughputResult, baseline: CpuUse): string {
  const { cpu } = throughput;
  const cores = os.cpus().length;
  const pct = (value: number | undefined) => `${(value ?? 0).toFixed(0)}%`;
  const consumers = [
    ['the execution process', cpu.children['execution process']],
    ['PostgreSQL', cpu.services.PostgreSQL],
    ['Redis', cpu.services.Redis],
    ['the SMTP sink', cpu.children['SMTP sink process']],
    ['autocannon', cpu.selfPct],
  ]
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .sort((a, b) => b[1] - a[1]);
  // % of a core ÷ messages per second = CPU milliseconds per message.
  const msPerMessage = (corePct: number) => (10 * corePct) / throughput.deliveredPerSecond;
  const totalMs = consumers.reduce((sum, [, value]) => sum + msPerMessage(value), 0);
  const execution = cpu.children['execution process'] ?? 0;
  const saturated = cpu.machinePct >= cores * 100 * 0.85;
  return (
    `Limits (throughput scenario): machine at ${pct(cpu.machinePct)} of ${cores * 100}%${saturated ? ' — the cores are the limit' : ''}; ` +
    `CPU per delivered message: ${consumers.map(([name, value]) => `${name} ${msPerMessage(value).toFixed(2)} ms (${pct(value)} of a core)`).join(', ')}; ` +
    `≈ ${totalMs.toFixed(2)} ms in all, a ceiling of ≈ ${fmt((cores * 1_000) / totalMs)} messages/s on ${cores} cores if nothing else ran. ` +
    (execution >= 90
      ? 'The execution process (one Node thread: HTTP intake, group commits, queueing, linking, rendering, SMTP client, status sync) is saturated. '
      : `The execution process is at ${pct(execution)} of its core: it also waits for PostgreSQL, Redis and the sink, which share the same cores. `) +
    `Baseline: its one process at ${pct(baseline.children['bullmq process'])} of a core, Redis at ${pct(baseline.services.Redis)}.`
  );
}

main().catch((thrown: unknown) => {
  console.error(thrown);
  process.exitCode = 1;
});
