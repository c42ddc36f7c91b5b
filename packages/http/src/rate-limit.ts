import type { RequestHandler } from 'express';
import { AppError } from '@mc/domain';
import { principalOf } from './bearer-auth';
import { TokenBuckets, rateLimitHeaders } from './token-buckets';

/**
 * A token bucket per principal and per process: `perSecond` requests a second with bursts of as
 * many. Per process on purpose: it protects this process's database pool without a Redis round
 * trip per request; N API processes admit N times the rate. `perSecond = 0` turns it off
 * (undefined). Spends a token of `name`, or answers the headers of the refusal (`Retry-After`,
 * `RateLimit-Policy`, `RateLimit`).
 */
export function principalRateLimiter(perSecond: number): ((name: string) => Record<string, string> | undefined) | undefined {
  if (perSecond <= 0) return undefined;
  const buckets = new TokenBuckets(perSecond, perSecond);
  return (name) => (buckets.take(name) ? undefined : rateLimitHeaders('per-key', buckets, name));
}

/** The per-principal limit as middleware (after authentication): 429 with the RateLimit headers. */
export function rateLimitPerPrincipal(perSecond: number): RequestHandler {
  const limiter = principalRateLimiter(perSecond);
  if (!limiter) return (_req, _res, next) => next();
  return (req, res, next) => {
    const refusal = limiter(principalOf(req).name);
    if (refusal) {
      res.set(refusal);
      next(new AppError('rate_limited', `At most ${perSecond} requests per second for this key.`));
      return;
    }
    next();
  };
}
