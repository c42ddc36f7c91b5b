/**
 * Archive benchmark: `npm run bench:archive`.
 *
 * How fast the control instance pulls an execution instance's archive feed, beside a raw copy of
 * the same rows with `pg` measured in the same run on the same machine:
 *
 *   ours      an execution instance (role `api`, child process `intake-bench-server.ts ours`)
 *             serving N final events with one delivery log each; a control instance (in this
 *             process) with ARCHIVE_PAGE_SIZE = P registers the account over its HTTP API
 *             (`POST /api/v1/execution-instances`), which runs archiving before answering.
 *             Events/s = N ÷ time from the POST until `archived_count` = N (polled every 10 ms),
 *             i.e. the whole pull: HTTP + JSON + zod on the feed, upsert + cursor per page.
 *   baseline  the same rows, keyset pages of P over the same index, SELECTed from the execution
 *             database and INSERTed with two multi-row unnest INSERTs per page (one transaction)
 *             into a second fresh control database: no HTTP, no JSON, no validation.
 *   breakdown (BENCH_ARCHIVE_BREAKDOWN=1, the default) one more pull of page size P, done by hand
 *             with the product's own pieces, timing each step: the feed's SQL (`readArchivePage`)
 *             and `JSON.stringify` in this process, then per page over HTTP: waiting for the
 *             answer's head, reading the body, `JSON.parse`, the zod schema, `storeArchivePage`.
 *
 * The execution database is filled directly (INSERT … SELECT generate_series, one transaction
 * per 5,000 events, five event types), then VACUUM (ANALYZE). Everything the run creates (three
 * `mc_bench_*` databases, Redis keys under random prefixes, the child) is removed at the end.
 *
 * Knobs (environment):
 *   BENCH_ARCHIVE_EVENTS      events in the execution database (default 100,000)
 *   BENCH_ARCHIVE_PAGE_SIZES  comma-separated page sizes, each one row of the table (default 1000,5000; at most 5,000)
 *   BENCH_ARCHIVE_BREAKDOWN   1 (default): time each step of a pull; 0: skip
 *   BENCH_ARCHIVE_STALL_S     give up when the archive has not grown for this long (default 20)
 *   BENCH_CPU_PROF            a folder: the execution child writes V8 CPU profiles (--cpu-prof) under
 *                             <folder>/execution-<run id>/; for this process (the control) run
 *                             `npx tsx --cpu-prof --cpu-prof-dir=<folder> bench/archive-bench.ts`
 *   BENCH_POSTGRES_URL        maintenance database URL (default postgresql://postgres@127.0.0.1:5432/postgres)
 *   REDIS_URL                 default redis://127.0.0.1:6379
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import pg from 'pg';
import winston from 'winston';
import { CONTROL_MIGRATIONS_DIR, EXECUTION_MIGRATIONS_DIR, createDatabaseIfMissing, migrate } from '@mc/db';
import { createLogger, type Logger } from '@mc/domain';
import { readControlEnv } from '@mc/control/src/env';
import { startControlInstance, type ControlInstance } from '@mc/control/src/control-instance';
import { archivePageSchema } from '@mc/control/src/execution-client';
import { storeArchivePage } from '@mc/control/src/archive/archive-store';
import { runArchiving } from '@mc/control/src/workflows/archiving';
import { archiveCursorSchema, readArchivePage, type ArchiveCursor } from '@mc/execution/src/archive/archive-feed';
import { monoMs } from './bench-child';
import {
  checkMachineIdle,
  cpuSnapshot,
  databaseUrl,
  describeCpu,
  describeMachine,
  fmt,
  intKnob,
  createBenchCleanup,
  log,
  sleep,
  startChild,
  type ChildServer,
  type CpuUse,
} from './bench-support';
import { fillExecutionDatabase, rawCopy, summarize, type RawCopyResult } from './archive-bench-data';

// ---------------------------------------------------------------------------------------------
// Configuration

function pageSizesKnob(): number[] {
  const raw = process.env.BENCH_ARCHIVE_PAGE_SIZES ?? '1000,5000';
  const sizes = raw.split(',').map((part) => Number(part.trim()));
  if (sizes.length === 0 || sizes.some((size) => !Number.isInteger(size) || size < 1 || size > 5_000)) {
    throw new Error(`BENCH_ARCHIVE_PAGE_SIZES must be integers from 1 to 5,000 (the feed's maximum), comma-separated; got "${raw}"`);
  }
  return sizes;
}

const knobs = {
  events: intKnob('BENCH_ARCHIVE_EVENTS', 100_000),
  pageSizes: pageSizesKnob(),
  breakdown: process.env.BENCH_ARCHIVE_BREAKDOWN !== '0',
  stallMs: intKnob('BENCH_ARCHIVE_STALL_S', 20) * 1_000,
  cpuProfDir: process.env.BENCH_CPU_PROF,
  postgresUrl: process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
};

const GOAL_EVENTS_PER_SECOND = 50_000;

const RUN_ID = randomBytes(5).toString('hex');
const API_KEY = `mc_bench_${randomBytes(24).toString('hex')}`;
const CONTROL_KEY = `mc_bench_control_${randomBytes(24).toString('hex')}`;
const ADMIN_TOKEN = `mc_bench_admin_${randomBytes(24).toString('hex')}`;
const INSTANCE_NAME = 'bench';
const EXECUTION_LABEL = 'execution process';

// ---------------------------------------------------------------------------------------------
// The control instance, in this process

/** What the control logged about its archiving runs (winston records at `info` and above). */
class ControlLog {
  readonly records: Array<Record<string, unknown>> = [];
  readonly logger: Logger;

  constructor() {
    this.logger = createLogger({ service: 'bench-control', level: 'info', format: 'json' });
    this.logger.clear();
    const records = this.records;
    this.logger.add(
      new winston.transports.Stream({
        stream: new Writable({
          objectMode: true,
          write(record: Record<string, unknown>, _encoding, done) {
            records.push(record);
            done();
          },
        }),
      }),
    );
  }

  /** The runs that stored pages: `[pages, events]` each. */
  runs(): Array<[number, number]> {
    return this.records.filter((record) => record.message === 'archived events').map((record) => [Number(record.pages), Number(record.events)]);
  }

  problems(): string[] {
    return this.records
      .filter((record) => record.level === 'warn' || record.level === 'error')
      .map((record) => `control logged: ${String(record.message)}${typeof record.error === 'string' ? ` (${record.error})` : ''}`);
  }
}

async function startControl(dbUrl: string, prefix: string, pageSize: number, controlLog: ControlLog): Promise<ControlInstance> {
  const env = readControlEnv({
    NODE_ENV: 'production',
    REDIS_URL: knobs.redisUrl,
    CONTROL_DATABASE_URL: dbUrl,
    CONTROL_PORT: '0',
    MC_CONTROL_QUEUE_PREFIX: prefix,
    MC_ADMIN_TOKEN: ADMIN_TOKEN,
    // The scheduler stays out of the way (but see `describeRuns`: its first job runs at once).
    ARCHIVE_EVERY_MS: String(24 * 3_600_000),
    ARCHIVE_PAGE_SIZE: String(pageSize),
    // One run reads everything.
    ARCHIVE_MAX_PAGES_PER_RUN: String(Math.ceil(knobs.events / pageSize) + 10),
  });
  return startControlInstance(env, controlLog.logger);
}

async function registerAccount(control: ControlInstance, executionPort: number): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${control.port}/api/v1/execution-instances`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ name: INSTANCE_NAME, url: `http://127.0.0.1:${executionPort}`, credential: CONTROL_KEY }),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`registering the account answered ${response.status}: ${text.slice(0, 500)}`);
}

/** Empties the control tables an archive pull writes, and the execution side's acknowledgement. */
async function resetArchive(controlPool: pg.Pool, executionPool: pg.Pool): Promise<void> {
  await controlPool.query('TRUNCATE archived_events, archived_deliveries, execution_instances, publications');
  await executionPool.query('DELETE FROM archive_acknowledgements');
}

async function archivedCount(controlPool: pg.Pool): Promise<number> {
  const { rows } = await controlPool.query<{ archived_count: string }>('SELECT archived_count FROM execution_instances WHERE name = $1', [INSTANCE_NAME]);
  return Number(rows[0]?.archived_count ?? 0);
}

async function archiveRows(controlPool: pg.Pool): Promise<{ events: number; deliveries: number }> {
  const { rows } = await controlPool.query<{ events: string; deliveries: string }>(
    `SELECT (SELECT count(*) FROM archived_events WHERE instance = $1) AS events, (SELECT count(*) FROM archived_deliveries WHERE instance = $1) AS deliveries`,
    [INSTANCE_NAME],
  );
  return { events: Number(rows[0]?.events ?? 0), deliveries: Number(rows[0]?.deliveries ?? 0) };
}

// ---------------------------------------------------------------------------------------------
// Scenarios

interface Pools {
  execution: pg.Pool;
  control: pg.Pool;
  baseline: pg.Pool;
}

/** A run of the archiving worker (the account's job scheduler), from BullMQ. */
interface SchedulerRun {
  /** Seconds after the registration POST that it started and finished. */
  startedS: number;
  finishedS: number;
  pages: number;
  events: number;
  failed?: string;
}

interface OursResult {
  pageSize: number;
  seconds: number;
  eventsPerSecond: number;
  registrationSeconds: number;
  /** Every run that stored pages, from the control's log: `[pages, events]`. */
  runs: Array<[number, number]>;
  schedulerRuns: SchedulerRun[];
  /** Runs this benchmark called itself (after the registration's run stopped early). */
  directRuns: Array<{ pages: number; events: number }>;
  cpu: CpuUse;
  problems: string[];
}

/** The archiving jobs the control's worker ran (once it is idle). */
async function schedulerRuns(control: ControlInstance, startedEpochMs: number): Promise<SchedulerRun[]> {
  const queue = control.services.queues.archiving;
  for (let waited = 0; waited < 10_000; waited += 20) {
    const busy = (await queue.getActiveCount()) + (await queue.getWaitingCount());
    if (busy === 0) break;
    await sleep(20);
  }
  const jobs = await queue.getJobs(['completed', 'failed'], 0, 50, true);
  return jobs.map((job) => {
    const result = job.returnvalue as { pages?: number; events?: number } | null | undefined;
    return {
      startedS: ((job.processedOn ?? startedEpochMs) - startedEpochMs) / 1_000,
      finishedS: ((job.finishedOn ?? startedEpochMs) - startedEpochMs) / 1_000,
      pages: result?.pages ?? 0,
      events: result?.events ?? 0,
      ...(job.failedReason ? { failed: job.failedReason } : {}),
    };
  });
}

/**
 * One pull of the whole feed by a fresh control instance: from the registration POST until
 * `archived_count` reaches N. A run that stopped early (it should not: one run may read every
 * page) is followed by direct `runArchiving` calls, counted and reported.
 */
async function runOurs(pools: Pools, execution: ChildServer, dbUrl: string, prefix: string, pageSize: number, source: string): Promise<OursResult> {
  await resetArchive(pools.control, pools.execution);
  const controlLog = new ControlLog();
  const control = await startControl(dbUrl, prefix, pageSize, controlLog);
  try {
    const cpuBefore = await cpuSnapshot([execution]);
    const startedAt = monoMs();
    const startedEpochMs = Date.now();
    let registeredAt: number | undefined;
    let registrationError: Error | undefined;
    const registration = registerAccount(control, execution.port).then(
      () => void (registeredAt = monoMs()),
      (thrown: unknown) => void (registrationError = thrown instanceof Error ? thrown : new Error(String(thrown))),
    );
    const directRuns: Array<{ pages: number; events: number }> = [];
    let last = -1;
    let lastMoved = monoMs();
    let finishedAt: number;
    for (;;) {
      if (registrationError) throw registrationError;
      const count = await archivedCount(pools.control);
      const now = monoMs();
      if (count >= knobs.events) {
        finishedAt = now;
        break;
      }
      if (count !== last) {
        last = count;
        lastMoved = now;
      } else if (now - lastMoved > knobs.stallMs) {
        throw new Error(`archiving stalled at ${fmt(count)} of ${fmt(knobs.events)} events (page size ${pageSize})`);
      } else if (registeredAt !== undefined && now - lastMoved > 1_000) {
        // Registration answered and nothing moves: run archiving again, as the scheduler would.
        directRuns.push(await runArchiving(control.services.archiving, INSTANCE_NAME));
        continue;
      }
      await sleep(10);
    }
    const cpu = describeCpu(cpuBefore, await cpuSnapshot([execution]), 'control + poller (this process)');
    await registration;
    const seconds = (finishedAt - startedAt) / 1_000;
    const rows = await archiveRows(pools.control);
    const problems = controlLog.problems();
    if (rows.events !== knobs.events || rows.deliveries !== knobs.events) {
      problems.push(`archive holds ${fmt(rows.events)} events and ${fmt(rows.deliveries)} deliveries, expected ${fmt(knobs.events)} of each`);
    }
    if ((await summarize(pools.control, 'archive', INSTANCE_NAME)) !== source) problems.push('the archive differs from the execution database (summary check)');
    return {
      pageSize,
      seconds,
      eventsPerSecond: knobs.events / seconds,
      registrationSeconds: ((registeredAt ?? finishedAt) - startedAt) / 1_000,
      runs: controlLog.runs(),
      schedulerRuns: await schedulerRuns(control, startedEpochMs),
      directRuns,
      cpu,
      problems,
    };
  } finally {
    await control.close();
  }
}

function reportOurs(result: OursResult): void {
  const pages = Math.ceil(knobs.events / result.pageSize);
  log(
    `  ${fmt(knobs.events)} events archived in ${result.seconds.toFixed(2)} s = ${fmt(result.eventsPerSecond)} events/s ` +
      `(${pages} pages, ${((result.seconds * 1_000) / pages).toFixed(1)} ms per page); the registration answered after ${result.registrationSeconds.toFixed(2)} s`,
  );
  log(`  ${describeRuns(result)}`);
  log(`  ${result.cpu.text}`);
  for (const problem of result.problems) log(`  PROBLEM: ${problem}`);
}

/**
 * Which archiving runs stored the pages. Registering creates the account's job scheduler before
 * it runs archiving itself, and BullMQ runs an `every` scheduler's first job at once (whatever
 * ARCHIVE_EVERY_MS): the worker's run and the registration's run then read the first page
 * together, the cursor check lets one of them store it and stops the other, and the winner reads
 * the rest. When the worker wins, the registration answers before the archive is read.
 */
function describeRuns(result: OursResult): string {
  const stored = result.runs.reduce((sum, [pages]) => sum + pages, 0);
  const byScheduler = result.schedulerRuns.reduce((sum, run) => sum + run.pages, 0);
  const direct = result.directRuns.reduce((sum, run) => sum + run.pages, 0);
  const byRegistration = stored - byScheduler - direct;
  const jobs = result.schedulerRuns
    .map((run) => `started ${run.startedS.toFixed(2)} s after the POST, finished at ${run.finishedS.toFixed(2)} s, stored ${run.pages} pages${run.failed ? `, FAILED: ${run.failed}` : ''}`)
    .join('; ');
  const winner =
    byScheduler > 0 && byRegistration === 0
      ? ' — the scheduler’s job won the race for the first page: the registration’s own run stored nothing and the POST answered before the archive was read'
      : byScheduler > 0
        ? ' — the scheduler’s job and the registration’s run both stored pages'
        : result.schedulerRuns.length > 0
          ? ' — the scheduler’s job ran alongside and stored nothing (it lost the race, or found nothing left)'
          : '';
  return (
    `pages stored: ${stored} in all — by the registration’s run ${byRegistration}, by the scheduler’s job ${byScheduler}` +
    (result.directRuns.length > 0 ? `, by ${result.directRuns.length} direct runArchiving call(s) ${direct}` : '') +
    `; archiving jobs run by the control’s worker: ${result.schedulerRuns.length}${jobs ? ` (${jobs})` : ''}${winner}`
  );
}

interface BaselineResult {
  copy: RawCopyResult;
  eventsPerSecond: number;
  cpu: CpuUse;
  problems: string[];
}

async function runBaseline(pools: Pools, execution: ChildServer, pageSize: number, source: string): Promise<BaselineResult> {
  await pools.baseline.query('TRUNCATE archived_events, archived_deliveries');
  const cpuBefore = await cpuSnapshot([execution]);
  const copy = await rawCopy(pools.execution, pools.baseline, INSTANCE_NAME, pageSize);
  const cpu = describeCpu(cpuBefore, await cpuSnapshot([execution]), 'pg copier (this process)');
  const problems: string[] = [];
  if (copy.events !== knobs.events || copy.deliveries !== knobs.events) problems.push(`copied ${fmt(copy.events)} events and ${fmt(copy.deliveries)} deliveries`);
  if ((await summarize(pools.baseline, 'archive', INSTANCE_NAME)) !== source) problems.push('the baseline copy differs from the execution database (summary check)');
  return { copy, eventsPerSecond: copy.events / copy.seconds, cpu, problems };
}

function reportBaseline(result: BaselineResult): void {
  const { copy } = result;
  log(
    `  ${fmt(copy.events)} events (+ ${fmt(copy.deliveries)} deliveries) copied in ${copy.seconds.toFixed(2)} s = ${fmt(result.eventsPerSecond)} events/s ` +
      `(${copy.pages} pages, ${((copy.seconds * 1_000) / copy.pages).toFixed(1)} ms per page: read ${((copy.readSeconds * 1_000) / copy.pages).toFixed(1)} ms, ` +
      `write ${((copy.writeSeconds * 1_000) / copy.pages).toFixed(1)} ms)`,
  );
  log(`  ${result.cpu.text}`);
  for (const problem of result.problems) log(`  PROBLEM: ${problem}`);
}

// ---------------------------------------------------------------------------------------------
// Breakdown: where a pull's time goes

interface Breakdown {
  pageSize: number;
  pages: number;
  /** Milliseconds per page, by step. */
  ms: Record<string, number>;
  bodyBytes: number;
}

const STEPS = {
  feedSql: 'feed SQL (`readArchivePage`, in this process)',
  feedStringify: '`JSON.stringify` of the page (in this process)',
  head: 'HTTP: request → answer head (execution: auth, query parse, acknowledgement, feed SQL, `res.json`)',
  body: 'HTTP: answer head → whole body read (`response.text()`)',
  parse: '`JSON.parse` (control)',
  zod: '`archivePageSchema` (zod, control)',
  store: '`storeArchivePage` (control: upserts + cursor, one transaction)',
} as const;

/**
 * One pull done by hand with the product's pieces, each step timed (the same steps as
 * `runArchiving` + `ExecutionClient.readArchive`). First the execution side alone, in this
 * process: the feed's SQL and `JSON.stringify` per page; then the HTTP pull into the control
 * database.
 */
async function runBreakdown(pools: Pools, execution: ChildServer, pageSize: number): Promise<Breakdown> {
  const totals: Record<keyof typeof STEPS, number> = { feedSql: 0, feedStringify: 0, head: 0, body: 0, parse: 0, zod: 0, store: 0 };
  let pages = 0;
  let bodyBytes = 0;

  let after: ArchiveCursor | undefined;
  for (;;) {
    const t0 = monoMs();
    const page = await readArchivePage(pools.execution, after, pageSize);
    const t1 = monoMs();
    JSON.stringify(page);
    totals.feedSql += t1 - t0;
    totals.feedStringify += monoMs() - t1;
    if (page.nextCursor === null || page.events.length === 0) break;
    after = archiveCursorSchema.parse(page.nextCursor);
    if (page.caughtUp) break;
  }

  await resetArchive(pools.control, pools.execution);
  await pools.control.query('INSERT INTO execution_instances (name, url, credential) VALUES ($1, $2, $3)', [INSTANCE_NAME, `http://127.0.0.1:${execution.port}`, CONTROL_KEY]);
  let cursor: string | null = null;
  for (;;) {
    const query = new URLSearchParams({ limit: String(pageSize), ...(cursor ? { after: cursor } : {}) });
    const t0 = monoMs();
    const response = await fetch(`http://127.0.0.1:${execution.port}/api/v1/archive?${query.toString()}`, { headers: { authorization: `Bearer ${CONTROL_KEY}` } });
    const t1 = monoMs();
    const text = await response.text();
    const t2 = monoMs();
    if (!response.ok) throw new Error(`the archive feed answered ${response.status}: ${text.slice(0, 300)}`);
    const body: unknown = JSON.parse(text);
    const t3 = monoMs();
    const page = archivePageSchema.parse(body);
    const t4 = monoMs();
    if (page.events.length === 0 && page.nextCursor === cursor) break;
    if (!(await storeArchivePage(pools.control, INSTANCE_NAME, cursor, page))) throw new Error('storeArchivePage refused a page');
    const t5 = monoMs();
    totals.head += t1 - t0;
    totals.body += t2 - t1;
    totals.parse += t3 - t2;
    totals.zod += t4 - t3;
    totals.store += t5 - t4;
    bodyBytes += Buffer.byteLength(text);
    pages += 1;
    cursor = page.nextCursor;
    if (page.caughtUp) break;
  }
  const rows = await archiveRows(pools.control);
  if (rows.events !== knobs.events) throw new Error(`the breakdown pull archived ${fmt(rows.events)} of ${fmt(knobs.events)} events`);
  const ms = Object.fromEntries(Object.entries(totals).map(([step, total]) => [step, total / Math.max(1, pages)]));
  return { pageSize, pages, ms, bodyBytes };
}

function reportBreakdown(result: Breakdown): void {
  const { ms, pages, pageSize } = result;
  const http = (ms.head ?? 0) + (ms.body ?? 0) + (ms.parse ?? 0) + (ms.zod ?? 0) + (ms.store ?? 0);
  log(
    `  ${pages} pages of ${fmt(pageSize)}, ${(result.bodyBytes / pages / 1e6).toFixed(2)} MB of JSON per page (${fmt(result.bodyBytes / knobs.events)} bytes per event); ` +
      `the HTTP pull: ${http.toFixed(1)} ms per page = ${fmt((pageSize * 1_000) / http)} events/s`,
  );
  for (const [step, label] of Object.entries(STEPS)) {
    const value = ms[step] ?? 0;
    const share = step === 'feedSql' || step === 'feedStringify' ? '' : ` (${((100 * value) / http).toFixed(0)}% of the pull)`;
    log(`    ${value.toFixed(1).padStart(7)} ms/page  ${((value * 1_000) / pageSize).toFixed(1).padStart(6)} µs/event  ${label}${share}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The run

async function main(): Promise<void> {
  const names = { execution: `mc_bench_${RUN_ID}_exec`, control: `mc_bench_${RUN_ID}_control`, baseline: `mc_bench_${RUN_ID}_baseline` };
  const urls = {
    execution: databaseUrl(knobs.postgresUrl, names.execution),
    control: databaseUrl(knobs.postgresUrl, names.control),
    baseline: databaseUrl(knobs.postgresUrl, names.baseline),
  };
  const executionPrefix = `{mc-bench-archive-${RUN_ID}}`;
  const controlPrefixes = knobs.pageSizes.map((size, index) => `{mc-bench-archive-control-${RUN_ID}-${index}-${size}}`);
  let pools: Pools | undefined;
  let statsRedis: Redis | undefined;
  const cleanup = createBenchCleanup(() => ({
    release: async () => {
      await Promise.all(Object.values(pools ?? {}).map((pool: pg.Pool) => pool.end().catch(() => undefined)));
      statsRedis?.disconnect();
    },
    databases: Object.fromEntries(Object.entries(urls).map(([key, url]) => [names[key as keyof typeof names], url])),
    redisUrl: knobs.redisUrl,
    prefixes: [executionPrefix, ...controlPrefixes],
  }));

  try {
    log(`Archive benchmark — databases ${names.execution} / ${names.control} / ${names.baseline}, queue prefixes ${executionPrefix} / ${controlPrefixes.join(', ')}`);
    log(`settings: ${fmt(knobs.events)} events with one delivery log each; page sizes ${knobs.pageSizes.map(fmt).join(', ')}; breakdown ${knobs.breakdown ? 'on' : 'off'}`);
    await checkMachineIdle();
    await Promise.all(
      [
        [urls.execution, EXECUTION_MIGRATIONS_DIR],
        [urls.control, CONTROL_MIGRATIONS_DIR],
        [urls.baseline, CONTROL_MIGRATIONS_DIR],
      ].map(async ([url, migrationsDir]) => {
        await createDatabaseIfMissing(url as string);
        await migrate({ databaseUrl: url as string, migrationsDir: migrationsDir as string });
      }),
    );
    pools = {
      execution: new pg.Pool({ connectionString: urls.execution, max: 2 }),
      control: new pg.Pool({ connectionString: urls.control, max: 2 }),
      baseline: new pg.Pool({ connectionString: urls.baseline, max: 2 }),
    };
    statsRedis = new Redis(knobs.redisUrl);
    const machine = await describeMachine(pools.execution, statsRedis);

    const fill = await fillExecutionDatabase(pools.execution, knobs.events, RUN_ID);
    log(
      `filled the execution database in ${fill.seconds.toFixed(1)} s (incl. VACUUM ANALYZE): events ${(fill.eventsBytes / 2 ** 20).toFixed(0)} MiB, ` +
        `delivery_logs ${(fill.deliveriesBytes / 2 ** 20).toFixed(0)} MiB with indexes`,
    );
    const source = await summarize(pools.execution, 'source');

    log('\n[ours] execution instance process (role api) + control instance in this process');
    const execution = await startChild({
      script: path.join(__dirname, 'intake-bench-server.ts'),
      args: ['ours'],
      label: EXECUTION_LABEL,
      profileName: 'execution',
      env: {
        NODE_ENV: 'production',
        MC_ROLE: 'api',
        EXECUTION_PORT: '0',
        EXECUTION_DATABASE_URL: urls.execution,
        REDIS_URL: knobs.redisUrl,
        MC_QUEUE_PREFIX: executionPrefix,
        MC_INSTANCE_NAME: INSTANCE_NAME,
        MC_API_KEY: API_KEY,
        MC_CONTROL_CREDENTIAL: CONTROL_KEY,
        LOG_LEVEL: 'error',
        LOG_FORMAT: 'json',
      },
      cpuProfDir: knobs.cpuProfDir,
      runId: RUN_ID,
    });

    const rows: Array<{ ours: OursResult; baseline: BaselineResult }> = [];
    const breakdowns: Breakdown[] = [];
    try {
      for (const [index, pageSize] of knobs.pageSizes.entries()) {
        log(`\n[ours] page size ${fmt(pageSize)}: register the account, archiving runs until all ${fmt(knobs.events)} events are archived`);
        const ours = await runOurs(pools, execution, urls.control, controlPrefixes[index] as string, pageSize, source);
        reportOurs(ours);
        log(`\n[baseline] page size ${fmt(pageSize)}: raw keyset SELECT → unnest INSERT with pg, one transaction per page`);
        const baseline = await runBaseline(pools, execution, pageSize, source);
        reportBaseline(baseline);
        rows.push({ ours, baseline });
      }
      if (knobs.breakdown) {
        for (const pageSize of knobs.pageSizes) {
          log(`\n[breakdown] page size ${fmt(pageSize)}: one pull by hand, each step timed`);
          const breakdown = await runBreakdown(pools, execution, pageSize);
          reportBreakdown(breakdown);
          breakdowns.push(breakdown);
        }
      }
    } finally {
      await execution.close();
    }

    // --- report -------------------------------------------------------------------------------
    log('\n## Archive benchmark\n');
    log('| scenario | ours (events/s) | baseline (events/s) | ratio | goal |');
    log('|---|---:|---:|---:|---|');
    for (const { ours, baseline } of rows) {
      const met = ours.eventsPerSecond >= GOAL_EVENTS_PER_SECOND;
      log(
        `| archive pull of ${fmt(knobs.events)} events, page size ${fmt(ours.pageSize)} (baseline: raw pg copy) | ${fmt(ours.eventsPerSecond)} | ` +
          `${fmt(baseline.eventsPerSecond)} | ${(ours.eventsPerSecond / baseline.eventsPerSecond).toFixed(2)}× | ≥ ${fmt(GOAL_EVENTS_PER_SECOND)}/s — ${met ? 'met' : 'NOT met'} |`,
      );
    }
    log('');
    log(machine);
    log(describeLimits(rows));
    log(
      'Baseline: the same rows in keyset pages of the same size over the same index, read with pg and written with two multi-row unnest INSERTs ' +
        'per page in one transaction into a second fresh control database (no HTTP, JSON, validation, cursor row or acknowledgement).',
    );

    const problems = rows.flatMap(({ ours, baseline }) => [...ours.problems, ...baseline.problems]);
    if (problems.length > 0) {
      for (const problem of problems) log(`PROBLEM: ${problem}`);
      process.exitCode = 1;
    }
  } finally {
    await cleanup();
  }
}

/**
 * What limited each pull: CPU per archived event in each process (from its share of a core and
 * the rate), and the ceiling that cost implies on this machine's cores if nothing waited.
 */
function describeLimits(rows: ReadonlyArray<{ ours: OursResult; baseline: BaselineResult }>): string {
  const cores = os.cpus().length;
  const pct = (value: number | undefined) => `${(value ?? 0).toFixed(0)}%`;
  // % of a core ÷ events per second × 10 = CPU microseconds per event.
  const usPerEvent = (corePct: number, rate: number) => (10_000 * corePct) / rate;
  const describe = (cpu: CpuUse, rate: number, selfLabel: string) => {
    const consumers = [
      [selfLabel, cpu.selfPct],
      ['the execution process', cpu.children[EXECUTION_LABEL]],
      ['PostgreSQL', cpu.services.PostgreSQL],
    ].filter((entry): entry is [string, number] => typeof entry[1] === 'number' && entry[1] >= 1);
    const totalUs = consumers.reduce((sum, [, value]) => sum + usPerEvent(value, rate), 0);
    return (
      `machine at ${pct(cpu.machinePct)} of ${cores * 100}%; CPU per event ` +
      consumers.map(([name, value]) => `${name} ${usPerEvent(value, rate).toFixed(1)} µs (${pct(value)} of a core)`).join(', ') +
      `; ≈ ${totalUs.toFixed(0)} µs in all, a ceiling of ≈ ${fmt((cores * 1e6) / totalUs)} events/s on ${cores} cores if the steps overlapped`
    );
  };
  const lines = rows.map(
    ({ ours, baseline }) =>
      `page size ${fmt(ours.pageSize)} — ours: ${describe(ours.cpu, ours.eventsPerSecond, 'the control (this process)')}. ` +
      `Baseline: ${describe(baseline.cpu, baseline.eventsPerSecond, 'the pg copier (this process)')}.`,
  );
  const budgetUs = (cores * 1e6) / GOAL_EVENTS_PER_SECOND;
  return (
    `Limits: one pull is sequential (fetch a page, then store it, then fetch the next), so the processes take turns and no process saturates its core: ` +
    `the rate is 1 ÷ the sum of the steps' latencies (see the breakdown). ${lines.join(' ')} ` +
    `At ${fmt(GOAL_EVENTS_PER_SECOND)} events/s these ${cores} cores allow at most ${budgetUs.toFixed(0)} µs of CPU per event in all processes together, ` +
    'even with every step overlapped.'
  );
}

main().catch((thrown: unknown) => {
  console.error(thrown);
  process.exitCode = 1;
});
