import { Router, type Request, type RequestHandler } from 'express';
import { coerceError } from '@mc/domain';
import { requireScope, type FailedAuthLimiter } from './bearer-auth';
import { staticTokenVerifier } from './static-token';

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface MonitoringOptions {
  /** Each dependency's probe, by name (`postgres`, `redis`). */
  checks: Record<string, () => Promise<unknown>>;
  /** The Prometheus registry `/metrics` serves. */
  metrics: { contentType: string; metrics(): Promise<string> };
  /** MC_METRICS_TOKEN: required for /metrics and for the details of /ready; unset: /metrics is open. */
  token?: string;
  /** The app's limit on failed authentications. */
  failures: FailedAuthLimiter;
  /** A probe that has not answered after this long fails (ms); default 2 s. */
  timeoutMs?: number;
}

/**
 * `/health`: the process is alive. `/ready`: every dependency answers within the timeout (503
 * otherwise), as `ok`/`not ok` per dependency — what failed and where (hosts, errors) only for a
 * caller holding the metrics token. `/metrics`: Prometheus text, behind the metrics token when
 * one is configured.
 */
export function monitoringRoutes(options: MonitoringOptions): Router {
  const router = Router();
  const auth = { verify: staticTokenVerifier(options.token, { name: 'monitoring', scopes: new Set(['metrics']) }), failures: options.failures };
  const timeoutMs = options.timeoutMs ?? 2_000;

  /** Does this request carry the metrics token? A wrong one counts as a failed authentication. */
  async function mayReadDetails(req: Request): Promise<boolean> {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!options.token || !token || !options.failures.take(req)) return false;
    const principal = await auth.verify(token);
    if (principal) options.failures.release(req);
    return principal !== undefined;
  }

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/ready', async (req, res) => {
    const results = await Promise.all(
      Object.entries(options.checks).map(async ([name, probe]) => {
        try {
          await withTimeout(probe(), timeoutMs, name);
          return [name, 'ok'] as const;
        } catch (thrown) {
          return [name, coerceError(thrown).message] as const;
        }
      }),
    );
    const ready = results.every(([, result]) => result === 'ok');
    const details = await mayReadDetails(req);
    const checks = Object.fromEntries(results.map(([name, result]) => [name, details || result === 'ok' ? result : 'not ok']));
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  const guard: RequestHandler = options.token ? requireScope(auth, 'metrics') : (_req, _res, next) => next();
  router.get('/metrics', guard, async (_req, res) => {
    res.type(options.metrics.contentType).send(await options.metrics.metrics());
  });
  return router;
}
