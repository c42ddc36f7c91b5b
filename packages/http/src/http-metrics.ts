import type { Request, RequestHandler } from 'express';
import { Histogram, type Registry } from 'prom-client';

/** Seconds, from 1 ms to 10 s: API answers. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The route as the router declared it (`/api/v1/events/:id`), never the raw path: a bounded set of series. */
function routeOf(req: Request): string {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  return typeof route === 'string' ? `${req.baseUrl}${route}` : 'unmatched';
}

/**
 * `http_request_duration_seconds{method, route, status}`: every answer, from its first byte read
 * to its last byte written (its `_count` is the request count). Mounted first, so refusals
 * (401, 413, 429) are counted too; paths no route matched are `unmatched`.
 */
export function httpRequestMetrics(registry: Registry): RequestHandler {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route and status, and how long they took.',
    labelNames: ['method', 'route', 'status'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      duration.observe({ method: req.method, route: routeOf(req), status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
