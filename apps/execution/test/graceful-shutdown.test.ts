import path from 'node:path';
import { orderEvent, freePort, spawnApp, waitForHealth, templateVersion, waitFor, TEST_CONTROL_KEY, TEST_PRODUCER_KEY, TEST_REDIS_URL } from '@mc/testing';
import { startExecutionHarness, type ExecutionHarness } from '../testing';


describe('graceful shutdown of an execution process under load (SIGTERM)', () => {
  let mc: ExecutionHarness;
  beforeAll(async () => {
    mc = await startExecutionHarness({ MC_ROLE: 'api', UPDATE_EVENT_STATUS_EVERY_MS: '100' });
    await mc.request('PUT', '/api/v1/templates/order-confirmation', templateVersion(), TEST_CONTROL_KEY);
  });
  afterAll(() => mc.close());

  it('then it stops accepting, finishes its jobs, exits 0, and no accepted event is lost or left claimed', async () => {
    const port = await freePort();
    const child = spawnApp(path.resolve(__dirname, '../src/main.ts'), {
      EXECUTION_DATABASE_URL: mc.database.url,
      REDIS_URL: TEST_REDIS_URL,
      MC_QUEUE_PREFIX: mc.prefix,
      EXECUTION_PORT: String(port),
      MC_API_KEY: TEST_PRODUCER_KEY,
      LOG_LEVEL: 'error',
    });
    const base = `http://127.0.0.1:${port}`;
    await waitForHealth(base, 30_000);

    const accepted: string[] = [];
    let refused = 0;
    let stop = false;
    const post = async () => {
      while (!stop) {
        try {
          const response = await fetch(`${base}/api/v1/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${TEST_PRODUCER_KEY}`, 'content-type': 'application/json' },
            body: JSON.stringify(orderEvent()),
          });
          if (response.status === 202) accepted.push(((await response.json()) as { id: string }).id);
          else refused += 1;
        } catch {
          refused += 1; // connection refused once it stopped listening
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, post));
    await waitFor(() => accepted.length >= 300, { timeoutMs: 30_000 });
    child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    stop = true;
    await load;
    expect(refused).toBeGreaterThan(0);

    const { rows: held } = await mc.instance.db.pool.query(
      "SELECT count(*)::int AS n FROM delivery_logs WHERE status = 'pending' AND locked_until > now()",
    );
    expect(held[0].n).toBe(0);
    const { rows: stored } = await mc.instance.db.pool.query('SELECT count(*)::int AS n FROM events WHERE id = ANY($1::uuid[])', [accepted]);
    expect(stored[0].n).toBe(accepted.length);

    // Whatever it left queued, another worker finishes.
    await mc.startSibling({ MC_ROLE: 'worker' });
    await waitFor(
      async () => {
        const { rows } = await mc.instance.db.pool.query("SELECT count(*)::int AS n FROM events WHERE id = ANY($1::uuid[]) AND status = 'sent'", [accepted]);
        return rows[0].n === accepted.length;
      },
      { timeoutMs: 60_000 },
    );
  });
});
