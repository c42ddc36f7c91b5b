import type { RequestHandler } from 'express';
import { AppError } from '@mc/domain';
import { principalOf } from './bearer-auth';

/**
 * A token bucket per principal and per process: `perSecond` requests a second with bursts of as
 * many. Per process on purpose: it protects this process's database pool without a Redis round
 * trip per request; N API processes admit N times the rate. `perSecond = 0` turns it off.
 */
export function rateLimitPerPrincipal(perSecond: number): RequestHandler {
  if (perSecond <= 0) return (_req, _res, next) => next();
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (req, res, next) => {
    const key = principalOf(req).name;
    const now = Date.now();
    const bucket = buckets.get(key) ?? { tokens: perSecond, at: now };
    bucket.tokens = Math.min(perSecond, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      res.setHeader('Retry-After', String(Math.ceil((1 - bucket.tokens) / perSecond)));
      next(new AppError('rate_limited', `At most ${perSecond} requests per second for this key.`));
      return;
    }
    bucket.tokens -= 1;
    next();
  };
}
