import type { RequestHandler } from 'express';
import { AppError } from '@mc/domain';
import { principalOf } from './bearer-auth';
import { TokenBuckets, rateLimitHeaders } from './token-buckets';

/**
 * A token bucket per principal and per process: `perSecond` requests a second with bursts of as
 * many. Per process on purpose: it protects this process's database pool without a Redis round
 * trip per request; N API processes admit N times the rate. `perSecond = 0` turns it off.
 */
export function rateLimitPerPrincipal(perSecond: number): RequestHandler {
  if (perSecond <= 0) return (_req, _res, next) => next();
  const buckets = new TokenBuckets(perSecond, perSecond);
  return (req, res, next) => {
    const key = principalOf(req).name;
    if (!buckets.take(key)) {
      res.set(rateLimitHeaders('per-key', buckets, key));
      next(new AppError('rate_limited', `At most ${perSecond} requests per second for this key.`));
      return;
    }
    next();
  };
}
