import { Router } from 'express';
import { coerceError } from '@mc/domain';

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `/health`: the process is alive. `/ready`: every dependency answers within `timeoutMs`
 * (default 2 s); 503 naming the ones that do not.
 */
export function healthRoutes(checks: Record<string, () => Promise<unknown>>, timeoutMs = 2_000): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/ready', async (_req, res) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, probe]) => {
        try {
          await withTimeout(probe(), timeoutMs, name);
          return [name, 'ok'] as const;
        } catch (thrown) {
          return [name, coerceError(thrown).message] as const;
        }
      }),
    );
    const ready = results.every(([, result]) => result === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });
  return router;
}
