import { DEVELOPMENT_SECRET_KEY, SecretBox } from '@mc/domain';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { runArchiving } from '@mc/control';
import { cloneTestDatabase, deleteRedisPrefix, randomQueuePrefix, spawnApp, testLogger, waitFor, TEST_ADMIN_TOKEN, TEST_CONTROL_KEY, TEST_REDIS_URL, type TestDatabase, REPO_ROOT } from '@mc/testing';
import { startExecutionHarness, type ExecutionHarness } from '@mc/execution/testing';

const EVENTS = 6000;

describe('a control process killed (SIGKILL) while archiving', () => {
  let mc: ExecutionHarness;
  let controlDb: TestDatabase;
  let pool: pg.Pool;
  let child: ChildProcess | undefined;
  const prefix = randomQueuePrefix();

  beforeAll(async () => {
    mc = await startExecutionHarness({ MC_ROLE: 'api' });
    await mc.instance.db.pool.query(
      `INSERT INTO events (id, producer, kind, type, channel, email, ctx, status, job_id, created_at, updated_at)
       SELECT gen_random_uuid(), 'default', 'batch', 'TYPE_' || (n % 5), 'email', 'user' || n || '@example.com', '{}', 'sent', 'bulk', now(), now()
       FROM generate_series(1, $1) AS n`,
      [EVENTS],
    );
    controlDb = await cloneTestDatabase('control');
    pool = new pg.Pool({ connectionString: controlDb.url });
    await pool.query('INSERT INTO execution_instances (name, url, credential) VALUES ($1, $2, $3)', ['east', mc.baseUrl, TEST_CONTROL_KEY]);
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await pool.end();
    await controlDb.drop();
    await deleteRedisPrefix(prefix);
    await mc.close();
  });

  it('then the next run archives every event once: no duplicate, no gap', async () => {
    const control = spawnApp(path.join(REPO_ROOT, 'apps/control/src/main.ts'), {
        CONTROL_DATABASE_URL: controlDb.url,
        CONTROL_PORT: '0',
        REDIS_URL: TEST_REDIS_URL,
        MC_CONTROL_QUEUE_PREFIX: prefix,
        MC_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
        // The scheduler it creates at start for the account runs at once, in small pages.
        ARCHIVE_EVERY_MS: '3600000',
        ARCHIVE_PAGE_SIZE: '50',
        ARCHIVE_MAX_PAGES_PER_RUN: '1000',
        LOG_LEVEL: 'error',
    });
    child = control;
    const archivedSoFar = async () => Number((await pool.query("SELECT archived_count FROM execution_instances WHERE name = 'east'")).rows[0].archived_count);
    await waitFor(async () => (await archivedSoFar()) >= 500, { timeoutMs: 60_000 });
    control.kill('SIGKILL');
    await control.exited;
    expect(await archivedSoFar()).toBeLessThan(EVENTS);
    // Pages were read ahead of storing, but the feed's acknowledgement never passed what was stored.
    const stored = (await pool.query("SELECT archive_cursor FROM execution_instances WHERE name = 'east'")).rows[0].archive_cursor as string;
    const [storedXid, storedId] = Buffer.from(stored, 'base64url').toString('utf8').split(':');
    const { rows: ahead } = await mc.instance.db.pool.query(
      "SELECT (change_xid, event_id) > ($1::bigint, $2::uuid) AS ahead FROM archive_acknowledgements WHERE consumer = 'control'",
      [storedXid, storedId],
    );
    expect(ahead[0]).toEqual({ ahead: false });

    // The process sealed the credential inserted in clear above, with the development key.
    const context = { pool, logger: testLogger(), pageSize: 500, maxPagesPerRun: 1000, calls: { timeoutMs: 10_000 }, secrets: new SecretBox(DEVELOPMENT_SECRET_KEY) };
    await waitFor(async () => {
      await runArchiving(context, 'east');
      return (await pool.query("SELECT count(*)::int AS n FROM archived_events WHERE instance = 'east'")).rows[0].n === EVENTS;
    });
    const { rows } = await pool.query("SELECT archived_count FROM execution_instances WHERE name = 'east'");
    // Each page was counted once: the count saved with the cursor equals the rows archived.
    expect(Number(rows[0].archived_count)).toBe(EVENTS);
  });
});
