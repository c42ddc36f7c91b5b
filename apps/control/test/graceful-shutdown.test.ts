import path from 'node:path';
import { cloneTestDatabase, deleteRedisPrefix, randomQueuePrefix, freePort, spawnApp, waitForHealth, TEST_ADMIN_TOKEN, TEST_REDIS_URL, type TestDatabase } from '@mc/testing';


describe('graceful shutdown of a control process (SIGTERM while serving)', () => {
  let database: TestDatabase;
  const prefix = randomQueuePrefix();
  afterAll(async () => {
    await database.drop();
    await deleteRedisPrefix(prefix);
  });

  it('then it stops accepting, answers what it accepted, and exits 0', async () => {
    database = await cloneTestDatabase('control');
    const port = await freePort();
    const control = spawnApp(path.resolve(__dirname, '../src/main.ts'), {
      CONTROL_DATABASE_URL: database.url,
      CONTROL_PORT: String(port),
      REDIS_URL: TEST_REDIS_URL,
      MC_CONTROL_QUEUE_PREFIX: prefix,
      MC_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      LOG_LEVEL: 'error',
    });
    const base = `http://127.0.0.1:${port}`;
    await waitForHealth(base, 30_000);
    const inFlight = Array.from({ length: 20 }, () =>
      fetch(`${base}/api/v1/templates`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } }).then(
        (response) => response.status,
        () => 'refused',
      ),
    );
    control.kill('SIGTERM');
    expect(await control.exited).toBe(0);
    const answers = await Promise.all(inFlight);
    expect(answers.every((answer) => answer === 200 || answer === 'refused')).toBe(true);
    await expect(fetch(`${base}/health`)).rejects.toThrow();
  });
});
