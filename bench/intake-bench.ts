/**
 * Intake benchmark: `npm run bench:intake`.
 *
 * Measures what the execution instance's HTTP intake sustains, each number beside a baseline
 * measured in the same run on the same machine:
 *
 *   real-time  POST /api/v1/events under many concurrent connections (autocannon), against a
 *              bare Express app that only validates the body with the same zod schema and calls
 *              `queue.add` (no PostgreSQL, no auth).
 *   batch      POST /api/v1/events/batch with 10,000 events per request, against the same rows
 *              inserted straight into `events` with `pg` (the same unnest INSERT, no HTTP, no
 *              validation, no queue).
 *
 * The servers run in child processes (`intake-bench-server.ts`) so the load generator does not
 * share their event loop. Everything it creates (a `mc_bench_*` database, two Redis prefixes)
 * is removed at the end.
 *
 * Knobs (environment):
 *   BENCH_DURATION_S         measured seconds per real-time scenario (default 10)
 *   BENCH_WARMUP_S           warm-up seconds per real-time scenario (default 2)
 *   BENCH_CONNECTIONS        concurrent HTTP connections (default 100)
 *   BENCH_PIPELINING         requests in flight per connection (default 1)
 *   BENCH_BATCHES            measured batch requests per batch scenario (default 20)
 *   BENCH_BATCH_SIZE         events per batch request (default 10,000, the API's maximum)
 *   BENCH_BATCH_CONCURRENCY  batch requests in flight at once (default 2)
 *   BENCH_POOL_SIZE          the instance's DATABASE_POOL_SIZE (default: the instance's own default)
 *   BENCH_CPU_PROF           a folder: each server process writes V8 CPU profiles (--cpu-prof) under
 *                            <folder>/<ours|baseline>-<run id>/ (one per thread; the largest is the main thread)
 *   BENCH_POSTGRES_URL       maintenance database URL (default postgresql://postgres@127.0.0.1:5432/postgres)
 *   REDIS_URL                default redis://127.0.0.1:6379
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import { BATCH_CHUNK_SIZE, uuidv7 } from '@mc/domain';
import { EXECUTION_MIGRATIONS_DIR, createDatabaseIfMissing, migrate } from '@mc/db';
import type { BenchServerMode } from './intake-bench-server';
import {
  checkMachineIdle,
  cpuSnapshot,
  databaseUrl as databaseUrlOn,
  describeCounters,
  describeCpu,
  describeMachine,
  fmt,
  intKnob,
  createBenchCleanup,
  describeFailures,
  log,
  readCounters as readCountersFrom,
  startChild,
  timed,
  type ChildServer,
  type CounterSource,
  type CpuUse,
} from './bench-support';

// ---------------------------------------------------------------------------------------------
// Configuration

const knobs = {
  durationS: intKnob('BENCH_DURATION_S', 10),
  warmupS: intKnob('BENCH_WARMUP_S', 2, 0),
  connections: intKnob('BENCH_CONNECTIONS', 100),
  pipelining: intKnob('BENCH_PIPELINING', 1),
  batches: intKnob('BENCH_BATCHES', 20),
  batchSize: intKnob('BENCH_BATCH_SIZE', 10_000),
  batchConcurrency: intKnob('BENCH_BATCH_CONCURRENCY', 2),
  poolSize: process.env.BENCH_POOL_SIZE,
  cpuProfDir: process.env.BENCH_CPU_PROF,
  postgresUrl: process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
};

const GOALS = {
  rt: { eventsPerSecond: 10_000, ratio: 0.7 },
  batch: { eventsPerSecond: 150_000, ratio: 0.7 },
};

const API_KEY = `mc_bench_${randomBytes(24).toString('hex')}`;
const RUN_ID = randomBytes(5).toString('hex');

const databaseUrl = (name: string) => databaseUrlOn(knobs.postgresUrl, name);

// ---------------------------------------------------------------------------------------------
// Helpers (the shared ones are in bench-support.ts)

function startServer(mode: BenchServerMode, env: Record<string, string>): Promise<ChildServer> {
  return startChild({
    script: path.join(__dirname, 'intake-bench-server.ts'),
    args: [mode],
    label: 'server process',
    profileName: mode,
    env,
    cpuProfDir: knobs.cpuProfDir,
    runId: RUN_ID,
  });
}

let counterSource: CounterSource | undefined;
const readCounters = () => readCountersFrom(counterSource);
const serverPct = (cpu: CpuUse | undefined) => cpu?.children['server process'];

// ---------------------------------------------------------------------------------------------
// Real-time scenario: autocannon against POST /api/v1/events

/** One id per request, replaced everywhere (autocannon `idReplacement`): unique externalId and address. */
const RT_BODY = JSON.stringify({
  type: 'order.shipped',
  email: 'customer.[<id>]@example.com',
  externalId: 'order-[<id>]',
  ctx: { orderId: '[<id>]', firstName: 'Ada', total: '42.90', currency: 'EUR', items: 2 },
});

interface RtResult {
  eventsPerSecond: number;
  ok: number;
  seconds: number;
  result: autocannon.Result;
  cpu: CpuUse;
}

async function fire(port: number, seconds: number, headers: Record<string, string>): Promise<autocannon.Result> {
  return autocannon({
    url: `http://127.0.0.1:${port}/api/v1/events`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: RT_BODY,
    idReplacement: true,
    connections: knobs.connections,
    pipelining: knobs.pipelining,
    duration: seconds,
    timeout: 30,
  });
}

async function runRealtime(label: string, server: ChildServer, headers: Record<string, string>, storesEvents: boolean): Promise<RtResult> {
  const { port } = server;
  if (knobs.warmupS > 0) {
    const warm = await fire(port, knobs.warmupS, headers);
    const failures = describeFailures(warm);
    log(`  ${label}: warm-up ${knobs.warmupS} s, ${fmt(warm['2xx'])} × 2xx${failures ? ` — FAILURES: ${failures}` : ''}`);
  }
  const countersBefore = await readCounters();
  const before = await cpuSnapshot([server]);
  const result = await fire(port, knobs.durationS, headers);
  const cpu = describeCpu(before, await cpuSnapshot([server]), 'autocannon (this process)');
  const trips = describeCounters(countersBefore, await readCounters(), result['2xx'], storesEvents);
  const seconds = result.duration; // autocannon's own measured seconds
  const ok = result['2xx'];
  const eventsPerSecond = ok / seconds;
  const failures = describeFailures(result);
  log(
    `  ${label}: ${fmt(ok)} × 2xx in ${seconds.toFixed(2)} s = ${fmt(eventsPerSecond)} events/s; ` +
      `latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms` +
      (failures ? `\n  ${label}: FAILURES: ${failures}` : '; errors 0') +
      `\n  ${label}: ${cpu.text}` +
      (trips ? `\n  ${label}: ${trips}` : ''),
  );
  return { eventsPerSecond, ok, seconds, result, cpu };
}

// ---------------------------------------------------------------------------------------------
// Batch scenario: POST /api/v1/events/batch vs a raw unnest INSERT

interface BatchEvent {
  type: string;
  email: string;
  externalId: string;
  ctx: Record<string, unknown>;
}

function makeBatch(tag: string): BatchEvent[] {
  return Array.from({ length: knobs.batchSize }, (_, index) => ({
    type: index % 3 === 0 ? 'newsletter.weekly' : 'invoice.available',
    email: `customer.${tag}.${index}@example.com`,
    externalId: `${tag}-${index}`,
    ctx: { firstName: 'Ada', invoice: `INV-${tag}-${index}`, amount: (index % 997) + 0.5, locale: 'fr-FR' },
  }));
}

async function postBatch(port: number, body: string): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/api/v1/events/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    body,
  });
  const text = await response.text();
  if (response.status !== 202) throw new Error(`batch answered ${response.status}: ${text.slice(0, 500)}`);
  const answer = JSON.parse(text) as { accepted: number; duplicates: number };
  if (answer.accepted !== knobs.batchSize || answer.duplicates !== 0) {
    throw new Error(`batch accepted ${answer.accepted} with ${answer.duplicates} duplicates, expected ${knobs.batchSize} new`);
  }
}

const RAW_INSERT = `INSERT INTO events (id, producer, kind, type, channel, email, mobile_phone, external_id, ctx, scheduled_at, expires_at, job_id)
  SELECT id, producer, kind, type, channel, email, mobile_phone, external_id, ctx::jsonb, scheduled_at, expires_at, job_id
  FROM unnest($1::uuid[], $2::text[], $3::"EventKind"[], $4::text[], $5::"Channel"[], $6::text[], $7::text[], $8::text[],
              $9::text[], $10::timestamptz[], $11::timestamptz[], $12::text[])
    AS t(id, producer, kind, type, channel, email, mobile_phone, external_id, ctx, scheduled_at, expires_at, job_id)
  ON CONFLICT (producer, external_id) DO NOTHING
  RETURNING id`;

/** The same rows intake would store (ids, chunk job ids, serialized ctx), in one statement. */
async function rawInsert(pool: pg.Pool, events: readonly BatchEvent[]): Promise<void> {
  const n = events.length;
  const ids = new Array<string>(n);
  const jobIds = new Array<string>(n);
  let jobId = '';
  for (let index = 0; index < n; index++) {
    if (index % BATCH_CHUNK_SIZE === 0) jobId = uuidv7();
    ids[index] = uuidv7();
    jobIds[index] = jobId;
  }
  const nulls = new Array<null>(n).fill(null);
  const { rowCount } = await pool.query(RAW_INSERT, [
    ids,
    new Array<string>(n).fill('bench'),
    new Array<string>(n).fill('batch'),
    events.map((event) => event.type),
    new Array<string>(n).fill('email'),
    events.map((event) => event.email),
    nulls,
    events.map((event) => event.externalId),
    events.map((event) => JSON.stringify(event.ctx)),
    nulls,
    nulls,
    jobIds,
  ]);
  if (rowCount !== n) throw new Error(`raw insert stored ${rowCount} of ${n} rows`);
}

interface BatchResult {
  eventsPerSecond: number;
  seconds: number;
  events: number;
  cpu?: CpuUse;
}

function reportBatch(label: string, seconds: number): BatchResult {
  const events = knobs.batches * knobs.batchSize;
  const eventsPerSecond = events / seconds;
  log(
    `  ${label}: ${knobs.batches} × ${fmt(knobs.batchSize)} events (${knobs.batchConcurrency} at once) in ${seconds.toFixed(2)} s ` +
      `= ${fmt(eventsPerSecond)} events/s (${((seconds / knobs.batches) * 1000).toFixed(0)} ms per request on average)`,
  );
  return { eventsPerSecond, seconds, events };
}

// ---------------------------------------------------------------------------------------------
// The run

async function countEvents(admin: pg.Pool, kind: 'rt' | 'batch'): Promise<number> {
  const { rows } = await admin.query<{ count: string }>('SELECT count(*) FROM events WHERE kind = $1', [kind]);
  return Number(rows[0]?.count ?? 0);
}

async function main(): Promise<void> {
  const dbName = `mc_bench_${RUN_ID}`;
  const dbUrl = databaseUrl(dbName);
  const oursPrefix = `{mc-bench-${RUN_ID}}`;
  const basePrefix = `{mc-bench-base-${RUN_ID}}`;
  let pool: pg.Pool | undefined;
  let statsRedis: Redis | undefined;
  const cleanup = createBenchCleanup(() => ({
    release: async () => {
      await pool?.end();
      statsRedis?.disconnect();
    },
    databases: { [dbName]: dbUrl },
    redisUrl: knobs.redisUrl,
    prefixes: [oursPrefix, basePrefix],
  }));

  try {
    log(`Intake benchmark — database ${dbName}, queue prefixes ${oursPrefix} / ${basePrefix}`);
    log(
      `settings: ${knobs.connections} connections, pipelining ${knobs.pipelining}, ${knobs.warmupS} s warm-up + ${knobs.durationS} s measured; ` +
        `batch ${knobs.batches} × ${fmt(knobs.batchSize)} events, ${knobs.batchConcurrency} at once (+${knobs.batchConcurrency} warm-up requests)`,
    );
    await checkMachineIdle();
    await createDatabaseIfMissing(dbUrl);
    await migrate({ databaseUrl: dbUrl, migrationsDir: EXECUTION_MIGRATIONS_DIR });
    pool = new pg.Pool({ connectionString: dbUrl, max: Math.max(2, knobs.batchConcurrency) });
    const redis = new Redis(knobs.redisUrl);
    statsRedis = redis;
    const machine = await describeMachine(pool, redis);
    counterSource = { pool, redis, dbName };

    // The batch bodies are built before anything is timed; warm-up and measured batches differ.
    const warmBatches = Array.from({ length: knobs.batchConcurrency }, (_, index) => makeBatch(`warm${index}-${RUN_ID}`));
    const batches = Array.from({ length: knobs.batches }, (_, index) => makeBatch(`b${index}-${RUN_ID}`));
    const warmBodies = warmBatches.map((events) => JSON.stringify({ events }));
    const bodies = batches.map((events) => JSON.stringify({ events }));
    log(`batch request body: ${(Buffer.byteLength(bodies[0] ?? '') / 1e6).toFixed(2)} MB`);

    // --- ours ---------------------------------------------------------------------------------
    log('\n[ours] execution instance, role api');
    const ours = await startServer('ours', {
      NODE_ENV: 'production',
      MC_ROLE: 'api',
      EXECUTION_PORT: '0',
      EXECUTION_DATABASE_URL: dbUrl,
      REDIS_URL: knobs.redisUrl,
      MC_QUEUE_PREFIX: oursPrefix,
      MC_API_KEY: API_KEY,
      MC_INSTANCE_NAME: 'bench',
      LOG_LEVEL: 'error',
      LOG_FORMAT: 'json',
      ...(knobs.poolSize ? { DATABASE_POOL_SIZE: knobs.poolSize } : {}),
    });
    let oursRt: RtResult;
    let oursBatch: BatchResult;
    try {
      oursRt = await runRealtime('real-time', ours, { authorization: `Bearer ${API_KEY}` }, true);
      const stored = await countEvents(pool, 'rt');
      log(`  real-time: ${fmt(stored)} rt events in PostgreSQL (warm-up included)`);

      await timed(warmBodies.length, knobs.batchConcurrency, (index) => postBatch(ours.port, warmBodies[index] as string));
      await pool.query('TRUNCATE events CASCADE');
      const countersBefore = await readCounters();
      const before = await cpuSnapshot([ours]);
      const seconds = await timed(knobs.batches, knobs.batchConcurrency, (index) => postBatch(ours.port, bodies[index] as string));
      oursBatch = reportBatch('batch', seconds);
      oursBatch.cpu = describeCpu(before, await cpuSnapshot([ours]), 'fetch client (this process)');
      log(`  batch: ${oursBatch.cpu.text}`);
      log(`  batch: ${describeCounters(countersBefore, await readCounters(), oursBatch.events, false)}`);
      const storedBatch = await countEvents(pool, 'batch');
      if (storedBatch !== knobs.batches * knobs.batchSize) throw new Error(`expected ${knobs.batches * knobs.batchSize} batch events stored, found ${storedBatch}`);
    } finally {
      await ours.close();
    }

    // --- baselines ----------------------------------------------------------------------------
    log('\n[baseline] bare Express + zod + queue.add');
    const bare = await startServer('baseline', { REDIS_URL: knobs.redisUrl, MC_QUEUE_PREFIX: basePrefix });
    let baseRt: RtResult;
    try {
      baseRt = await runRealtime('real-time', bare, {}, false);
    } finally {
      await bare.close();
    }

    log('\n[baseline] raw unnest INSERT with pg');
    await timed(warmBatches.length, knobs.batchConcurrency, (index) => rawInsert(pool as pg.Pool, warmBatches[index] as BatchEvent[]));
    await pool.query('TRUNCATE events CASCADE');
    const rawBefore = await cpuSnapshot();
    const rawSeconds = await timed(knobs.batches, knobs.batchConcurrency, (index) => rawInsert(pool as pg.Pool, batches[index] as BatchEvent[]));
    const baseBatch = reportBatch('batch', rawSeconds);
    baseBatch.cpu = describeCpu(rawBefore, await cpuSnapshot(), 'pg client (this process)');
    log(`  batch: ${baseBatch.cpu.text}`);

    // --- report -------------------------------------------------------------------------------
    const rtFailures = [
      ['ours', describeFailures(oursRt.result)],
      ['baseline', describeFailures(baseRt.result)],
    ].filter(([, failures]) => failures !== undefined);
    const row = (
      scenario: string,
      ours: number,
      base: number,
      goal: { eventsPerSecond: number; ratio: number },
    ) => {
      const ratio = ours / base;
      const met = ours >= goal.eventsPerSecond && ratio >= goal.ratio;
      return `| ${scenario} | ${fmt(ours)} | ${fmt(base)} | ${ratio.toFixed(2)}× | ≥ ${fmt(goal.eventsPerSecond)}/s and ≥ ${goal.ratio}× — ${met ? 'met' : 'NOT met'} |`;
    };
    const cpu = os.cpus();
    log('\n## Intake benchmark\n');
    log('| scenario | ours (events/s) | baseline (events/s) | ratio | goal |');
    log('|---|---:|---:|---:|---|');
    log(row(`real-time \`POST /events\` (${knobs.connections} conn.)`, oursRt.eventsPerSecond, baseRt.eventsPerSecond, GOALS.rt));
    log(
      row(
        `batch \`POST /events/batch\` (${fmt(knobs.batchSize)}/req, ${knobs.batchConcurrency} at once)`,
        oursBatch.eventsPerSecond,
        baseBatch.eventsPerSecond,
        GOALS.batch,
      ),
    );
    log('');
    log(machine);
    const pct = (value: number | undefined) => `${(value ?? 0).toFixed(0)}%`;
    const saturated = (value: number | undefined) => ((value ?? 0) >= 90 ? 'saturated' : 'not saturated');
    log(
      `Limits: the load generator, the server process, PostgreSQL and Redis all share these ${cpu.length} cores ` +
        `(machine at ${pct(oursRt.cpu.machinePct)} / ${pct(baseRt.cpu.machinePct)} of ${cpu.length * 100}% during real-time ours / baseline, ` +
        `${pct(oursBatch.cpu?.machinePct)} / ${pct(baseBatch.cpu?.machinePct)} during batch). ` +
        `Real-time: each server is one Node thread, at ${pct(serverPct(oursRt.cpu))} (ours) and ${pct(serverPct(baseRt.cpu))} (baseline) of a core ` +
        `(${saturated(serverPct(oursRt.cpu))} / ${saturated(serverPct(baseRt.cpu))}), autocannon at ${pct(oursRt.cpu.selfPct)}: ` +
        'per-request CPU in that one thread (HTTP, Express, body parsing, responses) sets the ceiling. ' +
        `Batch: our server at ${pct(serverPct(oursBatch.cpu))} of a core, the raw baseline's pg client at ${pct(baseBatch.cpu?.selfPct)}; ` +
        'the rest of the machine is PostgreSQL executing the INSERTs.',
    );
    log(
      'Baselines: real-time = bare Express + the same zod schema + one BullMQ queue.add per request (no database, no auth); ' +
        `batch = the same rows inserted with one unnest INSERT per ${fmt(knobs.batchSize)} rows straight from pg (no HTTP, JSON, validation or queue).`,
    );
    for (const [side, failures] of rtFailures) {
      log(`\nReal-time failures (${side}): ${failures}`);
      process.exitCode = 1;
    }
  } finally {
    await cleanup();
  }
}

main().catch((thrown: unknown) => {
  console.error(thrown);
  process.exitCode = 1;
});
