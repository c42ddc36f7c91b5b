import type { Request, RequestHandler, Response } from 'express';
import { Histogram, type Registry } from 'prom-client';

/** Seconds, from 1 ms to 10 s: API answers. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Remembers, on `res.locals`, the route pattern of the request *when the router matches it*
 * (`/api/v1/events/:id`): by the time the answer is written, a router mounted on a path has put
 * `req.baseUrl` back (an error travels out through it), so reading both then would say `/events/:id`.
 */
function recordMatchedRoute(req: Request, res: Response): void {
  let route: unknown;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (value: { path?: unknown } | undefined) => {
      route = value;
      if (typeof value?.path === 'string') res.locals.metricsRoute = `${req.baseUrl}${value.path}`;
    },
  });
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
    recordMatchedRoute(req, res);
    res.on('finish', () => {
      const route = typeof res.locals.metricsRoute === 'string' ? res.locals.metricsRoute : 'unmatched';
      duration.observe({ method: req.method, route, status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
