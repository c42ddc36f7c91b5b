import type { Request, RequestHandler, Response } from 'express';
import { isIPv6 } from 'node:net';
import { AppError } from '@mc/domain';
import { TokenBuckets, rateLimitHeaders } from './token-buckets';

export interface Principal {
  /** Who: an API key's name, `admin`, … (never the secret). */
  name: string;
  scopes: ReadonlySet<string>;
  /** Whose data it writes and reads, when the credential belongs to a producer. */
  producer?: string;
}

/** Resolves a bearer token to its principal, or `undefined` when it is unknown or revoked. */
export interface VerifyToken {
  (token: string): Promise<Principal | undefined>;
  /**
   * The principal of a token this verifier already holds as valid, without any lookup; what a
   * client that failed too often may still use (a recently verified API key). Absent: none.
   */
  cached?(token: string): Principal | undefined;
}

export interface FailedAuthLimits {
  /** Failed authentications per second per client address, refilled continuously; 0: no limit. */
  perSecond: number;
  /** …with bursts of this many. */
  burst: number;
}

/**
 * Failed authentications per client address (a token bucket: 20/s with bursts of 100 by
 * default). Past it, the address gets 429 without its credential being looked at — no database
 * lookup, no password comparison — except a credential the verifier already holds as valid, so
 * a producer behind the same address keeps working. IPv6 clients count per /64, which is what
 * one host or subscriber usually gets.
 */
export class FailedAuthLimiter {
  private readonly buckets?: TokenBuckets;

  constructor(limits: FailedAuthLimits) {
    if (limits.perSecond > 0) this.buckets = new TokenBuckets(limits.perSecond, Math.max(1, limits.burst));
  }

  /** Has the request's address no failures left? */
  isBlocked(req: Request): boolean {
    const key = this.keyOf(req);
    return this.buckets !== undefined && key !== undefined && this.buckets.available(key) < 1;
  }

  /** Refuses the request with 429 (and returns true) when its address has no failures left. */
  refuseIfBlocked(req: Request, res: Response, next: (error: AppError) => void): boolean {
    const key = this.keyOf(req);
    if (!this.buckets || key === undefined || !this.isBlocked(req)) return false;
    res.set(rateLimitHeaders('failed-auth', this.buckets, key));
    next(new AppError('rate_limited', 'Too many failed authentications from this address; wait before trying again.'));
    return true;
  }

  recordFailure(req: Request): void {
    const key = this.keyOf(req);
    if (this.buckets && key !== undefined) this.buckets.take(key);
  }

  private keyOf(req: Request): string | undefined {
    const address = req.ip;
    if (!address) return undefined;
    return isIPv6(address) && !address.startsWith('::ffff:') ? address.split(':').slice(0, 4).join(':') : address;
  }
}

/** The limiter from an app's environment (AUTH_FAILURES_PER_SECOND, AUTH_FAILURES_BURST). */
export function failedAuthLimiter(env: { AUTH_FAILURES_PER_SECOND: number; AUTH_FAILURES_BURST: number }): FailedAuthLimiter {
  return new FailedAuthLimiter({ perSecond: env.AUTH_FAILURES_PER_SECOND, burst: env.AUTH_FAILURES_BURST });
}

/** How an app authenticates bearer credentials: the verifier, and the limit on failures. */
export interface Authenticator {
  verify: VerifyToken;
  failures: FailedAuthLimiter;
}

const principals = new WeakMap<Request, Principal>();

export function principalOf(req: Request): Principal {
  const principal = principals.get(req);
  if (!principal) throw new AppError('unauthorized');
  return principal;
}

/**
 * `Authorization: Bearer <token>` → 401 when missing or unknown, 403 when the token has none of
 * `scopes`, 429 when its address failed too often. The principal is then available through
 * `principalOf(req)`.
 */
export function requireScope(auth: Authenticator, scopes: string | readonly string[]): RequestHandler {
  const anyOf = typeof scopes === 'string' ? [scopes] : scopes;
  return (req, res, next) => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const token = match?.[1];
    if (!token) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      next(new AppError('unauthorized', 'Send an API key as "Authorization: Bearer <key>".'));
      return;
    }
    const admit = (principal: Principal | undefined) => {
      if (!principal) {
        auth.failures.recordFailure(req);
        res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
        next(new AppError('unauthorized', 'This API key is unknown or revoked.'));
      } else if (!anyOf.some((scope) => principal.scopes.has(scope))) {
        next(new AppError('forbidden', `This key lacks the "${anyOf.join('" or "')}" scope.`));
      } else {
        principals.set(req, principal);
        next();
      }
    };
    const known = auth.verify.cached?.(token);
    if (known) return admit(known);
    if (auth.failures.refuseIfBlocked(req, res, next)) return;
    auth.verify(token).then(admit, (error: unknown) => next(error));
  };
}
