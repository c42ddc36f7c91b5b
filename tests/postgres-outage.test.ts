import { CONTROL_MIGRATIONS_DIR, EXECUTION_MIGRATIONS_DIR, prepareDatabase } from '@mc/db';
import { readExecutionEnv, startExecutionInstance, type ExecutionInstance } from '@mc/execution';
import { readControlEnv, startControlInstance, type ControlInstance } from '@mc/control';
import { deleteRedisPrefix, capturedLogger, orderEvent, randomQueuePrefix, startOwnPostgres, waitFor, TEST_ADMIN_TOKEN, TEST_PRODUCER_KEY, TEST_REDIS_URL, type OwnPostgres } from '@mc/testing';

/**
 * PostgreSQL stopped and crash-recovered under load, on a cluster of the test's own: every route
 * answers 503 with Retry-After while it is away or starting up (57P03), never 500 — the API-key
 * lookup included — and every event that got a 202 is there afterwards.
 */
describe('when PostgreSQL goes away and crash-recovers under load', () => {
  let postgres: OwnPostgres;
  let execution: ExecutionInstance;
  let control: ControlInstance;
  const logs = { execution: capturedLogger(), control: capturedLogger() };
  const prefixes = [randomQueuePrefix(), randomQueuePrefix()];
  beforeAll(async () => {
    postgres = await startOwnPostgres();
    const executionUrl = postgres.url('mc_execution');
    const controlUrl = postgres.url('mc_control');
    await prepareDatabase({ databaseUrl: executionUrl, migrationsDir: EXECUTION_MIGRATIONS_DIR });
    await prepareDatabase({ databaseUrl: controlUrl, migrationsDir: CONTROL_MIGRATIONS_DIR });
    const common = { REDIS_URL: TEST_REDIS_URL, AUTH_FAILURES_PER_SECOND: '0' };
    execution = await startExecutionInstance(
      readExecutionEnv({ ...common, EXECUTION_DATABASE_URL: executionUrl, EXECUTION_PORT: '0', MC_QUEUE_PREFIX: prefixes[0], MC_API_KEY: TEST_PRODUCER_KEY, MC_ROLE: 'api', API_KEY_CACHE_MS: '0' }),
      logs.execution.logger,
    );
    control = await startControlInstance(
      readControlEnv({ ...common, CONTROL_DATABASE_URL: controlUrl, CONTROL_PORT: '0', MC_CONTROL_QUEUE_PREFIX: prefixes[1], MC_ADMIN_TOKEN: TEST_ADMIN_TOKEN }),
      logs.control.logger,
    );
  });
  afterAll(async () => {
    await Promise.all([execution?.close(), control?.close()]);
    await postgres?.destroy();
    await Promise.all(prefixes.map(deleteRedisPrefix));
  });

  it('then every answer is 2xx/401 or 503 with Retry-After, never 500, and no accepted event is lost', async () => {
    const executionUrl = `http://127.0.0.1:${execution.port}`;
    const controlUrl = `http://127.0.0.1:${control.port}`;
    const statuses = new Map<string, number>();
    const accepted: string[] = [];
    const problems: string[] = [];
    const requests: Array<() => Promise<Response>> = [
      () => fetch(`${executionUrl}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${TEST_PRODUCER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(orderEvent()) }),
      () => fetch(`${executionUrl}/api/v1/events?limit=5`, { headers: { authorization: `Bearer ${TEST_PRODUCER_KEY}` } }),
      () => fetch(`${executionUrl}/api/v1/events`, { headers: { authorization: 'Bearer mc_a_key_nobody_has_000000000000' } }),
      () => fetch(`${controlUrl}/api/v1/templates`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } }),
      () => fetch(`${controlUrl}/api/v1/execution-instances`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } }),
    ];
    let running = true;
    const client = async (index: number) => {
      for (let turn = index; running; turn++) {
        const answer = await (requests[turn % requests.length] as () => Promise<Response>)();
        const body = await answer.text();
        const key = String(answer.status);
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        if (answer.status === 202) accepted.push((JSON.parse(body) as { id: string }).id);
        if (answer.status === 503 && answer.headers.get('retry-after') === null) problems.push(`503 without Retry-After: ${body}`);
        if (![200, 202, 401, 503].includes(answer.status)) problems.push(`${answer.status}: ${body.slice(0, 300)}`);
      }
    };
    const clients = Array.from({ length: 8 }, (_, index) => client(index));
    const seen503 = () => statuses.get('503') ?? 0;

    await waitFor(() => (statuses.get('202') ?? 0) > 20);
    await postgres.stop('immediate');
    await waitFor(() => seen503() > 20);
    const beforeRestart = seen503();
    // A crash: the next start replays the WAL, and answers 57P03 ("starting up") meanwhile.
    await postgres.start();
    const acceptedBefore = accepted.length;
    await waitFor(() => accepted.length > acceptedBefore + 20, { timeoutMs: 30_000 });
    const backLines = (lines: string[]) => lines.filter((line) => line.includes('PostgreSQL is back')).length;
    await waitFor(() => backLines(logs.execution.lines) === 1 && backLines(logs.control.lines) === 1);
    await postgres.stop('fast');
    await waitFor(() => seen503() > beforeRestart + 20);
    await postgres.start();
    const acceptedAgain = accepted.length;
    await waitFor(() => accepted.length > acceptedAgain + 20, { timeoutMs: 30_000 });
    running = false;
    await Promise.all(clients);

    expect(problems).toEqual([]);
    expect(seen503()).toBeGreaterThan(40);
    const { rows } = await execution.db.pool.query('SELECT count(*)::int AS n FROM events WHERE id = ANY($1::uuid[])', [accepted]);
    expect(rows[0].n).toBe(accepted.length);

    // Hundreds of failed requests, a few lines: when it went, a count per kind, when it came back.
    await waitFor(() => backLines(logs.execution.lines) === 2 && backLines(logs.control.lines) === 2);
    for (const { lines } of Object.values(logs)) {
      const outageLines = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.level === 'warn' || line.level === 'error');
      expect(outageLines.filter((line) => line.message === 'PostgreSQL is unavailable; work waits for it')).toHaveLength(2);
      expect(outageLines.length).toBeLessThan(30);
      expect(outageLines.filter((line) => line.stack !== undefined)).toEqual([]);
    }
  }, 120_000);
});
