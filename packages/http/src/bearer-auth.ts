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
  /**
   * Was this token valid when last looked up (within a day)? Such a token may still be looked up
   * while its address is blocked, so a producer sharing an address with an attacker keeps working
   * past its cache entry. Absent (a token compared, not looked up): never — that answer would be
   * an oracle for guesses.
   */
  knownGood?(token: string): boolean;
}

export interface FailedAuthLimits {
  /** Failed authentications per second per client address, refilled continuously; 0: no limit. */
  perSecond: number;
  /** …with bursts of this many. */
  burst: number;
}

/** An IPv6 address's /64 (what one host or subscriber usually gets), from any of its spellings. */
export function ipv6Prefix64(address: string): string {
  const [head = '', tail] = address.split('%')[0]?.split('::') ?? [];
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  // An embedded IPv4 address (::ffff:1.2.3.4 and the like) is two groups.
  const last = right.length > 0 ? right : left;
  if (last[last.length - 1]?.includes('.')) last.splice(-1, 1, '0', '0');
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return groups.slice(0, 4).map((group) => (parseInt(group, 16) || 0).toString(16)).join(':');
}

/**
 * Failed authentications per client address (a token bucket: 20/s with bursts of 100 by
 * default). Each lookup takes a token before it starts and gives it back if the credential was
 * good, so requests in flight at once cannot slip past the limit. Past it, the address gets 429
 * without its credential being looked at — no database lookup, no password comparison — except
 * an API key the verifier knows as valid, so a producer behind the same address keeps working.
 * IPv6 clients count per /64.
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
    if (!this.isBlocked(req)) return false;
    this.refuse(req, res, next);
    return true;
  }

  /**
   * Takes a token for a credential about to be checked; false (the request refused with 429)
   * when the address has none left. Give it back with `release` if the credential was good.
   */
  reserve(req: Request, res: Response, next: (error: AppError) => void): boolean {
    if (this.take(req)) return true;
    this.refuse(req, res, next);
    return false;
  }

  /** Takes a token for the request's address; false when it has none left (nothing answered). */
  take(req: Request): boolean {
    const key = this.keyOf(req);
    return !this.buckets || key === undefined || this.buckets.take(key);
  }

  /** The credential a reservation was taken for was good: the token goes back. */
  release(req: Request): void {
    const key = this.keyOf(req);
    if (this.buckets && key !== undefined) this.buckets.giveBack(key);
  }

  /** A credential checked without a reservation (a known key that turned out revoked) failed. */
  recordFailure(req: Request): void {
    const key = this.keyOf(req);
    if (this.buckets && key !== undefined) this.buckets.take(key);
  }

  private refuse(req: Request, res: Response, next: (error: AppError) => void): void {
    const key = this.keyOf(req);
    if (this.buckets && key !== undefined) res.set(rateLimitHeaders('failed-auth', this.buckets, key));
    next(new AppError('rate_limited', 'Too many failed authentications from this address; wait before trying again.'));
  }

  private keyOf(req: Request): string | undefined {
    const address = req.ip;
    if (!address) return undefined;
    if (!isIPv6(address)) return address;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    return mapped?.[1] ?? `${ipv6Prefix64(address)}::/64`;
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

/** The producer the request's credential belongs to; 403 for a credential of none. */
export function producerOf(req: Request): string {
  const { producer } = principalOf(req);
  if (producer === undefined) throw new AppError('forbidden', 'This credential belongs to no producer.');
  return producer;
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
    const vouched = auth.verify.knownGood?.(token) ?? false;
    if (!vouched && !auth.failures.reserve(req, res, next)) return;
    auth.verify(token).then(
      (principal) => {
        if (principal && !vouched) auth.failures.release(req);
        if (!principal && vouched) auth.failures.recordFailure(req);
        admit(principal);
      },
      (error: unknown) => {
        // Not the credential's fault (the database is away): the token goes back.
        if (!vouched) auth.failures.release(req);
        next(error);
      },
    );
  };
}
