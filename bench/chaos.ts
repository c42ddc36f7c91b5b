/**
 * `npm run chaos`: the whole system under steady load while its parts are broken, one after the
 * other — then counted. Not a test (nothing here is timed against a goal); a program that prints
 * one table, and exits 1 when anything was lost.
 *
 * Everything runs as real processes on parts of its own: a PostgreSQL cluster (initdb, a free
 * port), a Redis server, an SMTP sink in this process, an execution instance split into an `api`
 * process and two `worker` processes, and a control instance archiving it. The faults:
 *   1. SIGKILL a worker, three times (each restarted);
 *   2. SIGKILL Redis and start it again empty;
 *   3. crash PostgreSQL (`pg_ctl stop -m immediate`) and start it (crash recovery);
 *   4. stop the SMTP server for CHAOS_SMTP_OUTAGE_S (30 s);
 *   5. SIGKILL control while it archives, then start it again.
 * Producers behave as real ones do: a refused or failed request is sent again with the same
 * externalId until it is acknowledged.
 *
 * Knobs: CHAOS_RATE (events/s, 50), CHAOS_SMTP_OUTAGE_S (30), CHAOS_SETTLE_S (240).
 */
import path from 'node:path';
import pg from 'pg';
import { startSmtpSink, type SmtpSink } from '@mc/smtp-sink';
import { freePort, spawnApp, startOwnPostgres, startOwnRedis, waitFor, waitForHealth, type SpawnedApp } from '@mc/testing';
import { fmt, intKnob, sleep } from './support';

const log = (line: string) => console.log(line);

const ROOT = path.resolve(__dirname, '..');
const RATE = intKnob('CHAOS_RATE', 50);
const SMTP_OUTAGE_S = intKnob('CHAOS_SMTP_OUTAGE_S', 30);
const SETTLE_S = intKnob('CHAOS_SETTLE_S', 240);
const PRODUCER_KEY = 'mc_chaos_producer_key_0123456789abcdef';
const CONTROL_KEY = 'mc_chaos_control_key_0123456789abcdef00';
const ADMIN_TOKEN = 'mc_chaos_admin_token_0123456789abcdef00';
const RT_WORKER_CONCURRENCY = 50;
const FINAL = ['sent', 'ignored', 'delivery_failed', 'not_taken_into_account', 'expired'];

interface Counters {
  acknowledged: Map<string, string>;
  refusals: Map<string, number>;
}

/** A producer pushing `RATE` events a second, each sent again (same externalId) until acknowledged. */
function startLoad(executionUrl: string, counters: Counters): { stop(): Promise<void> } {
  let running = true;
  let sequence = 0;
  const inFlight = new Set<Promise<void>>();
  const push = async (externalId: string) => {
    const body = JSON.stringify({ type: 'ORDER_CONFIRMATION', email: `${externalId}@example.com`, externalId, ctx: { firstName: 'Ada', orderId: externalId } });
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = await fetch(`${executionUrl}/api/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${PRODUCER_KEY}`, 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        const text = await answer.text();
        if (answer.status === 202 || answer.status === 200) {
          counters.acknowledged.set(externalId, (JSON.parse(text) as { id: string }).id);
          return;
        }
        counters.refusals.set(String(answer.status), (counters.refusals.get(String(answer.status)) ?? 0) + 1);
      } catch {
        counters.refusals.set('no answer', (counters.refusals.get('no answer') ?? 0) + 1);
      }
      await sleep(Math.min(2_000, 100 * 2 ** Math.min(attempt, 5)));
    }
  };
  const timer = setInterval(() => {
    if (!running) return;
    const task = push(`chaos-${++sequence}`).finally(() => inFlight.delete(task));
    inFlight.add(task);
  }, 1000 / RATE);
  return {
    async stop() {
      running = false;
      clearInterval(timer);
      await Promise.all(inFlight);
    },
  };
}

async function main(): Promise<number> {
  log(`chaos: ${RATE} events/s; faults: 3 worker kills, Redis killed and restarted empty, PostgreSQL crash, SMTP down ${SMTP_OUTAGE_S} s, control killed mid-archiving`);
  const postgres = await startOwnPostgres();
  const redis = await startOwnRedis();
  let smtp: SmtpSink = await startSmtpSink({ keep: 1_000_000 });
  const smtpPort = smtp.port;
  const received: Array<string | undefined> = [];
  const collect = (sink: SmtpSink) => () => received.push(...sink.messages.map((message) => message.messageId));
  const [executionPort, controlPort] = [await freePort(), await freePort()];
  const executionUrl = `http://127.0.0.1:${executionPort}`;
  const controlUrl = `http://127.0.0.1:${controlPort}`;
  const common = { NODE_ENV: 'development', REDIS_URL: redis.url, LOG_LEVEL: 'error', LOG_FORMAT: 'json', AUTH_FAILURES_PER_SECOND: '0', SCHEDULER_CHECK_EVERY_MS: '2000' };
  const execution = {
    ...common,
    EXECUTION_DATABASE_URL: postgres.url('mc_execution'),
    EXECUTION_PORT: String(executionPort),
    MC_INSTANCE_NAME: 'chaos',
    MC_API_KEY: PRODUCER_KEY,
    MC_CONTROL_CREDENTIAL: CONTROL_KEY,
    SMTP_URL: smtp.url,
    RT_WORKER_CONCURRENCY: String(RT_WORKER_CONCURRENCY),
    JOB_LOCK_MS: '5000',
    DELIVERY_LEASE_MS: '5000',
    RECONCILE_EVERY_MS: '5000',
    RECONCILE_GRACE_MS: '5000',
    UPDATE_EVENT_STATUS_EVERY_MS: '500',
    CIRCUIT_PROBE_MAX_MS: '2000',
  };
  const control = { ...common, CONTROL_DATABASE_URL: postgres.url('mc_control'), CONTROL_PORT: String(controlPort), MC_ADMIN_TOKEN: ADMIN_TOKEN, ARCHIVE_EVERY_MS: '2000', ARCHIVE_PAGE_SIZE: '200' };
  const apps = new Set<SpawnedApp>();
  const spawn = (entry: string, env: Record<string, string>) => {
    const app = spawnApp(path.join(ROOT, entry), env, { capture: true });
    apps.add(app);
    return app;
  };
  const startWorker = () => spawn('apps/execution/src/main.ts', { ...execution, MC_ROLE: 'worker' });
  const startControl = async () => {
    const app = spawn('apps/control/src/main.ts', control);
    await waitForHealth(controlUrl, 60_000);
    return app;
  };
  const counters: Counters = { acknowledged: new Map(), refusals: new Map() };
  const kills = { workers: 0 };
  const executionDb = new pg.Pool({ connectionString: postgres.url('mc_execution'), max: 2 });
  const controlDb = new pg.Pool({ connectionString: postgres.url('mc_control'), max: 2 });
  executionDb.on('error', () => undefined);
  controlDb.on('error', () => undefined);
  try {
    spawn('apps/execution/src/main.ts', { ...execution, MC_ROLE: 'api' });
    await waitForHealth(executionUrl, 60_000);
    const workers = [startWorker(), startWorker()];
    let controlApp = await startControl();
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const registered = await fetch(`${controlUrl}/api/v1/execution-instances`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'chaos', url: executionUrl, credential: CONTROL_KEY }) });
    if (registered.status !== 201) throw new Error(`registration answered ${registered.status}`);
    const template = { eventType: 'ORDER_CONFIRMATION', channel: 'email', subject: 'Order {{ ctx.orderId }}', html: '<p>Hi {{ ctx.firstName }}</p>', text: 'Hi {{ ctx.firstName }}' };
    await fetch(`${controlUrl}/api/v1/templates/order`, { method: 'PUT', headers: admin, body: JSON.stringify(template) });
    await fetch(`${controlUrl}/api/v1/templates/order/publish`, { method: 'POST', headers: admin });

    const load = startLoad(executionUrl, counters);
    const phase = async (name: string, fault: () => Promise<void>) => {
      const started = Date.now();
      await fault();
      log(`  ${name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s (${fmt(counters.acknowledged.size)} events acknowledged so far)`);
      await sleep(5_000);
    };
    await sleep(5_000);
    await phase('1. SIGKILL a worker, three times', async () => {
      for (let round = 0; round < 3; round++) {
        const victim = workers[round % workers.length] as SpawnedApp;
        victim.kill('SIGKILL');
        await victim.exited;
        kills.workers += 1;
        await sleep(2_000);
        workers[round % workers.length] = startWorker();
        await sleep(3_000);
      }
    });
    await phase('2. Redis killed, restarted empty', async () => {
      await redis.kill();
      await sleep(3_000);
      await redis.start();
    });
    await phase('3. PostgreSQL crashed, crash-recovered', async () => {
      await postgres.stop('immediate');
      await sleep(5_000);
      await postgres.start();
    });
    await phase(`4. SMTP server down ${SMTP_OUTAGE_S} s`, async () => {
      // Counted once closed: a message whose DATA was under way when the close began is still received.
      await smtp.close();
      collect(smtp)();
      await sleep(SMTP_OUTAGE_S * 1000);
      smtp = await startSmtpSink({ port: smtpPort, keep: 1_000_000 });
    });
    await phase('5. control SIGKILLed while archiving, restarted', async () => {
      await waitFor(async () => (await controlDb.query("SELECT last_run_at > now() - interval '1 second' AS busy FROM execution_instances")).rows[0]?.busy === true, { timeoutMs: 30_000, intervalMs: 50 });
      controlApp.kill('SIGKILL');
      await controlApp.exited;
      await sleep(2_000);
      controlApp = await startControl();
    });
    await load.stop();
    log(`  load stopped: ${fmt(counters.acknowledged.size)} events acknowledged; settling (at most ${SETTLE_S} s)…`);

    const ids = [...counters.acknowledged.values()];
    const settled = await waitFor(
      async () => {
        const { rows } = await executionDb.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE id = ANY($1::uuid[]) AND status = ANY($2::"EventStatus"[])', [ids, FINAL]);
        const archived = await controlDb.query<{ n: number }>("SELECT count(*)::int AS n FROM archived_events WHERE instance = 'chaos' AND id = ANY($1::uuid[]) AND status = ANY($2::text[])", [ids, FINAL]);
        return rows[0]?.n === ids.length && archived.rows[0]?.n === ids.length;
      },
      { timeoutMs: SETTLE_S * 1000, intervalMs: 1_000 },
    ).then(
      () => true,
      () => false,
    );
    collect(smtp)();

    const stored = (await executionDb.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE id = ANY($1::uuid[])', [ids])).rows[0]?.n ?? 0;
    const statuses = (await executionDb.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM events WHERE id = ANY($1::uuid[]) GROUP BY status ORDER BY status', [ids])).rows;
    const archived = (await controlDb.query<{ n: number }>("SELECT count(*)::int AS n FROM archived_events WHERE instance = 'chaos' AND id = ANY($1::uuid[])", [ids])).rows[0]?.n ?? 0;
    const distinct = new Set(received.filter((id) => id !== undefined)).size;
    const duplicates = received.length - distinct;
    const failed = statuses.find((row) => row.status === 'delivery_failed')?.n ?? 0;
    const lost = ids.length - stored;
    const duplicateBound = kills.workers * RT_WORKER_CONCURRENCY;

    log('\n| figure | count | goal |');
    log('|---|---:|---|');
    log(`| events acknowledged (202/200) | ${fmt(ids.length)} | — |`);
    log(`| producer retries (refused or unanswered) | ${fmt([...counters.refusals.values()].reduce((a, b) => a + b, 0))} (${[...counters.refusals].map(([status, n]) => `${status}: ${fmt(n)}`).join(', ')}) | — |`);
    log(`| stored | ${fmt(stored)} | = acknowledged |`);
    log(`| **lost** (acknowledged, not stored) | **${fmt(lost)}** | 0 |`);
    for (const row of statuses) log(`| status \`${row.status}\` | ${fmt(row.n)} | ${row.status === 'delivery_failed' ? '0' : row.status === 'sent' ? '= acknowledged' : '0'} |`);
    log(`| messages at the SMTP sink | ${fmt(received.length)} | — |`);
    log(`| distinct Message-IDs | ${fmt(distinct)} | = sent |`);
    log(`| duplicate messages | ${fmt(duplicates)} | ≤ ${fmt(duplicateBound)} (${kills.workers} worker kills × ${RT_WORKER_CONCURRENCY} sends in flight) |`);
    log(`| archived on control | ${fmt(archived)} | = acknowledged |`);
    log(`| settled (all final and archived) | ${settled ? 'yes' : 'NO'} | yes |`);
    const ok = lost === 0 && failed === 0 && duplicates <= duplicateBound && settled;
    log(`\nchaos: ${ok ? 'nothing lost' : 'FAILED'}`);
    return ok ? 0 : 1;
  } finally {
    for (const app of apps) if (app.exitCode === null) app.kill('SIGTERM');
    await Promise.all([...apps].map((app) => app.exited));
    await Promise.all([executionDb.end(), controlDb.end()]);
    await smtp.close().catch(() => undefined);
    await redis.destroy();
    await postgres.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (thrown: unknown) => {
    console.error('chaos:', thrown);
    process.exit(1);
  },
);
