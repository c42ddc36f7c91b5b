/**
 * `npm run bench:archive`: how fast a control instance pulls an execution instance's archive
 * feed. Both are spawned from their entry points; BENCH_EVENTS final events (one sent delivery log
 * each) are written into the execution database with SQL, then control is asked over its HTTP API
 * to register the instance (`POST /api/v1/execution-instances`, which runs archiving at once):
 * events/s = N ÷ time from the POST until control's `archived_count` reaches N. Baseline, same
 * run: the same rows copied with pg in keyset pages of the same size over the feed's index
 * `(change_xid, id)` into a fresh control database (no HTTP, JSON, validation or cursor).
 * Knobs: BENCH_EVENTS (100,000), BENCH_PAGE_SIZE (1,000: control's ARCHIVE_PAGE_SIZE).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { CONTROL_MIGRATIONS_DIR, createDatabaseIfMissing, migrate } from '@mc/db';
import { BenchRun, fmt, inParallel, intKnob, machineCpuMs, printTable, seconds, waitForProgress } from './support';

const EVENTS = intKnob('BENCH_EVENTS', 100_000);
const PAGE_SIZE = intKnob('BENCH_PAGE_SIZE', 1_000);
const FILL_CHUNK = 5_000;

/** Events `$1…$2`, final (`sent`), each with its sent delivery log: one transaction per chunk. */
const FILL = `WITH e AS (
  INSERT INTO events (id, producer, kind, type, channel, email, external_id, ctx, status, template_name, template_version, job_id, attempts, created_at, updated_at, linked_at)
  SELECT id, 'bench', 'rt', 'order.shipped', 'email', 'customer.' || i || '@example.com', 'order-' || i,
         jsonb_build_object('orderId', 'ORD-' || i, 'firstName', 'Ada', 'total', '42.90', 'currency', 'EUR', 'items', i % 5 + 1),
         'sent', 'order-shipped', 1, id::text, 1, at, at, at
  FROM (SELECT i, gen_random_uuid() AS id, now() - interval '1 day' + i * interval '1 millisecond' AS at FROM generate_series($1::int, $2::int) AS i) AS s
  RETURNING id, email, created_at)
INSERT INTO delivery_logs (id, event_id, channel, status, recipient, template_name, template_version, subject, html, text, attempts, provider_message_id, created_at, updated_at, sent_at, synced_at)
SELECT gen_random_uuid(), id, 'email', 'sent', email, 'order-shipped', 1, 'Your order has shipped',
       repeat('<p>Thank you for shopping with Example Shop: your order is on its way.</p>', 6), repeat('Thank you for shopping with Example Shop. ', 6),
       1, '<' || id || '@bench.message-center>', created_at, created_at, created_at, created_at
FROM e`;

/** Columns the baseline copies, with their SQL types (as archived). */
const EVENT_COLUMNS = 'id:uuid kind:text type:text channel:"Channel" email:text mobile_phone:text external_id:text status:text status_reason:text template_name:text template_version:int attempts:int scheduled_at:timestamptz expires_at:timestamptz created_at:timestamptz updated_at:timestamptz linked_at:timestamptz producer:text sent_at:timestamptz';
const DELIVERY_COLUMNS = 'id:uuid event_id:uuid channel:"Channel" status:text recipient:text template_name:text template_version:int attempts:int last_error:text provider_message_id:text created_at:timestamptz updated_at:timestamptz sent_at:timestamptz';

const columns = (spec: string) => spec.split(' ').map((column) => column.split(':') as [string, string]);
const names = (spec: string) => columns(spec).map(([name]) => name);
/** `INSERT INTO table (instance, …) SELECT $1, * FROM unnest($2::type[], …)`: one statement per page. */
const insertSql = (table: string, spec: string) =>
  `INSERT INTO ${table} (instance, ${names(spec).join(', ')}) SELECT $1, * FROM unnest(${columns(spec).map(([, type], index) => `$${index + 2}::${type}[]`).join(', ')})`;
const READ_EVENTS = `SELECT ${names(EVENT_COLUMNS).slice(0, -1).join(', ')}, change_xid::text AS xid, (SELECT max(sent_at) FROM delivery_logs d WHERE d.event_id = e.id) AS sent_at
  FROM events e WHERE (change_xid, id) > ($1::bigint, $2::uuid) ORDER BY change_xid, id LIMIT $3`;
const READ_DELIVERIES = `SELECT ${names(DELIVERY_COLUMNS).join(', ')} FROM delivery_logs WHERE event_id = ANY($1::uuid[])`;

/** The baseline: every event and delivery log of `source` into `target`'s archive tables, page by page. */
async function rawCopy(source: pg.Pool, target: pg.Pool): Promise<number> {
  const started = performance.now();
  let after = ['-1', '00000000-0000-0000-0000-000000000000'];
  for (;;) {
    const { rows: events } = await source.query<Record<string, any>>(READ_EVENTS, [...after, PAGE_SIZE]);
    if (events.length === 0) break;
    const { rows: deliveries } = await source.query<Record<string, any>>(READ_DELIVERIES, [events.map((event) => event.id)]);
    const client = await target.connect();
    try {
      await client.query('BEGIN');
      await client.query(insertSql('archived_events', EVENT_COLUMNS), ['raw', ...names(EVENT_COLUMNS).map((name) => events.map((row) => row[name]))]);
      await client.query(insertSql('archived_deliveries', DELIVERY_COLUMNS), ['raw', ...names(DELIVERY_COLUMNS).map((name) => deliveries.map((row) => row[name]))]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const last = events[events.length - 1] as Record<string, any>;
    after = [last.xid, last.id];
  }
  return seconds(started);
}

const count = async (pool: pg.Pool, sql: string) => Number((await pool.query<{ n: string }>(sql)).rows[0]?.n ?? 0);

const run = new BenchRun();
run.run(async () => {
  const executionUrl = run.database('execution');
  const controlUrl = run.database('control');
  const baselineUrl = run.database('baseline');
  const execution = await run.startExecution(executionUrl, { MC_ROLE: 'api' });
  const control = await run.start('apps/control/src/main.ts', 'CONTROL_PORT', {
    CONTROL_DATABASE_URL: controlUrl,
    MC_CONTROL_QUEUE_PREFIX: run.queuePrefix('control'),
    MC_ADMIN_TOKEN: run.adminToken,
    MC_SECRET_KEY: randomBytes(32).toString('base64'),
    ARCHIVE_EVERY_MS: String(24 * 3_600_000),
    ARCHIVE_PAGE_SIZE: String(PAGE_SIZE),
    ARCHIVE_MAX_PAGES_PER_RUN: String(Math.ceil(EVENTS / PAGE_SIZE) + 10),
  });
  await createDatabaseIfMissing(baselineUrl);
  await migrate({ databaseUrl: baselineUrl, migrationsDir: CONTROL_MIGRATIONS_DIR });
  const [source, archive, baseline] = [executionUrl, controlUrl, baselineUrl].map((connectionString) => new pg.Pool({ connectionString, max: 2 })) as [pg.Pool, pg.Pool, pg.Pool];
  try {
    const chunks = Math.ceil(EVENTS / FILL_CHUNK);
    await inParallel(chunks, 2, (index) => source.query(FILL, [index * FILL_CHUNK, Math.min(EVENTS, (index + 1) * FILL_CHUNK) - 1]));
    await source.query('VACUUM (ANALYZE) events, delivery_logs');

    const [machineBefore, appsBefore] = [machineCpuMs(), execution.cpuSeconds() + control.cpuSeconds()];
    const started = performance.now();
    const registration = fetch(`${control.url}/api/v1/execution-instances`, {
      method: 'POST',
      headers: { authorization: `Bearer ${run.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', url: execution.url, credential: run.controlKey }),
    });
    await waitForProgress('archived events', () => count(archive, "SELECT coalesce(max(archived_count), 0) AS n FROM execution_instances WHERE name = 'bench'"), EVENTS, 10);
    const oursS = seconds(started);
    const [oursMachineMs, oursAppsMs] = [machineCpuMs() - machineBefore, (execution.cpuSeconds() + control.cpuSeconds() - appsBefore) * 1000];
    if ((await registration).status !== 201) throw new Error(`registration answered ${(await registration).status}`);
    const stored = await count(archive, "SELECT (SELECT count(*) FROM archived_events) + (SELECT count(*) FROM archived_deliveries) AS n");
    if (stored !== 2 * EVENTS) throw new Error(`control stored ${fmt(stored)} rows, expected ${fmt(2 * EVENTS)}`);

    const [rawMachineBefore, rawSelfBefore] = [machineCpuMs(), process.cpuUsage()];
    const rawS = await rawCopy(source, baseline);
    const rawMachineMs = machineCpuMs() - rawMachineBefore;
    const rawSelf = process.cpuUsage(rawSelfBefore);
    const rawSelfMs = (rawSelf.user + rawSelf.system) / 1000;
    const copied = await count(baseline, "SELECT (SELECT count(*) FROM archived_events) + (SELECT count(*) FROM archived_deliveries) AS n");
    if (copied !== 2 * EVENTS) throw new Error(`the raw copy stored ${fmt(copied)} rows, expected ${fmt(2 * EVENTS)}`);
    printTable('Archive pull (events/s)', [
      { figure: `${fmt(EVENTS)} events + deliveries, pages of ${fmt(PAGE_SIZE)} (baseline: raw pg keyset copy)`, ours: EVENTS / oursS, baseline: EVENTS / rawS },
      { figure: 'machine CPU ms per 1,000 events (all processes)', ours: (oursMachineMs / EVENTS) * 1000, baseline: (rawMachineMs / EVENTS) * 1000 },
      { figure: 'client CPU ms per 1,000 events (ours: execution + control; baseline: the copy loop)', ours: (oursAppsMs / EVENTS) * 1000, baseline: (rawSelfMs / EVENTS) * 1000 },
    ]);
  } finally {
    await Promise.all([source.end(), archive.end(), baseline.end()]);
  }
});
