import { Router } from 'express';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import { coerceError, SECOND } from '@mc/domain';

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** `/health`: the process is alive. `/ready`: PostgreSQL and Redis answer (each within 2 s). */
export function healthRoutes(deps: { pool: pg.Pool; redis: Redis }): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/ready', async (_req, res) => {
    const check = async (what: string, probe: () => Promise<unknown>) => {
      try {
        await withTimeout(probe(), 2 * SECOND, what);
        return 'ok';
      } catch (thrown) {
        return coerceError(thrown).message;
      }
    };
    const [postgres, redis] = await Promise.all([
      check('PostgreSQL', () => deps.pool.query('SELECT 1')),
      check('Redis', () => deps.redis.ping()),
    ]);
    const ready = postgres === 'ok' && redis === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: { postgres, redis } });
  });
  return router;
}
