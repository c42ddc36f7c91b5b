import path from 'node:path';
import { dropDatabaseIfExists } from '@mc/db';
import { databaseUrl, deleteRedisPrefix, freePort, randomQueuePrefix, spawnApp, waitFor } from '@mc/testing';

const DEV_PRODUCER_KEY = 'mc_dev_producer_key_change_me_000000';

/** `npm start` as a developer runs it, on databases, ports and queues of its own. */
describe('npm start', () => {
  it('when it runs with its output not on a terminal, then it logs JSON, serves the README curl, and stops cleanly on Ctrl+C', async () => {
    const suffix = Math.random().toString(16).slice(2, 10);
    const env = {
      CONTROL_DATABASE_URL: databaseUrl(`mc_test_start_control_${suffix}`),
      EXECUTION_DATABASE_URL: databaseUrl(`mc_test_start_execution_${suffix}`),
      CONTROL_PORT: String(await freePort()),
      EXECUTION_PORT: String(await freePort()),
      MC_CONTROL_QUEUE_PREFIX: randomQueuePrefix(),
      MC_QUEUE_PREFIX: randomQueuePrefix(),
    };
    const start = spawnApp(path.resolve(__dirname, '../../../scripts/start-local.ts'), env, { capture: true });
    try {
      await waitFor(() => start.lines.some((line) => line.includes('Message Center is running')), { timeoutMs: 60_000 });
      const logLines = start.lines.filter((line) => line.includes('"level"') || /\b(info|warn|error)\b.*\[(control|execution)/.test(line));
      expect(logLines.length).toBeGreaterThan(3);
      for (const line of logLines) expect(() => JSON.parse(line) as unknown).not.toThrow();
      // No colour codes (ESC[) in a log that goes to a file or a pipe.
      expect(start.lines.join('\n')).not.toContain('\u001b[');

      const base = `http://127.0.0.1:${env.EXECUTION_PORT}`;
      const headers = { authorization: `Bearer ${DEV_PRODUCER_KEY}`, 'content-type': 'application/json' };
      const posted = (await (await fetch(`${base}/api/v1/events`, { method: 'POST', headers, body: JSON.stringify({ type: 'ORDER_CONFIRMATION', email: 'ada@example.com', ctx: { firstName: 'Ada', orderId: 1042 } }) })).json()) as { id: string };
      await waitFor(async () => ((await (await fetch(`${base}/api/v1/events/${posted.id}`, { headers })).json()) as { status: string }).status === 'sent');

      start.kill('SIGINT');
      expect(await start.exited).toBe(0);
    } finally {
      if (start.exitCode === null) start.kill('SIGKILL');
      await start.exited;
      await Promise.all([dropDatabaseIfExists(env.CONTROL_DATABASE_URL), dropDatabaseIfExists(env.EXECUTION_DATABASE_URL)]);
      await Promise.all([deleteRedisPrefix(env.MC_CONTROL_QUEUE_PREFIX), deleteRedisPrefix(env.MC_QUEUE_PREFIX)]);
    }
  }, 120_000);
});
