/**
 * Token buckets by key, in process memory: each key may spend `burst` tokens at once and gets
 * `perSecond` back every second. The oldest keys are forgotten past `maxKeys`, so a flood of
 * distinct keys costs bounded memory (a forgotten key starts again with a full bucket).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Tokens `key` has now (refilled since its last use). */
  available(key: string, now = Date.now()): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return this.burst;
    return Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
  }

  /** Spends one token of `key` if it has one; returns whether it had. */
  take(key: string, now = Date.now()): boolean {
    const tokens = this.available(key, now);
    const taken = tokens >= 1;
    // Re-inserted so the Map's order is least recently used first.
    this.buckets.delete(key);
    if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
    this.buckets.set(key, { tokens: taken ? tokens - 1 : tokens, at: now });
    return taken;
  }

  /** Returns a token `take` took (the thing it paid for did not count). */
  giveBack(key: string, now = Date.now()): void {
    const bucket = this.buckets.get(key);
    if (bucket) this.buckets.set(key, { tokens: Math.min(this.burst, this.available(key, now) + 1), at: now });
  }

  /** Whole seconds until `key` has a token again (0: it has one). */
  secondsUntilToken(key: string, now = Date.now()): number {
    const tokens = this.available(key, now);
    return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / this.perSecond);
  }
}

/**
 * The RateLimit header fields (draft-ietf-httpapi-ratelimit-headers) of a refused request, and
 * `Retry-After`, for a policy named `policy` of `burst` requests refilled at `perSecond`.
 */
export function rateLimitHeaders(policy: string, buckets: TokenBuckets, key: string): Record<string, string> {
  const reset = Math.max(1, buckets.secondsUntilToken(key));
  const window = Math.max(1, Math.ceil(buckets.burst / buckets.perSecond));
  return {
    'Retry-After': String(reset),
    'RateLimit-Policy': `"${policy}";q=${buckets.burst};w=${window}`,
    RateLimit: `"${policy}";r=${Math.floor(buckets.available(key))};t=${reset}`,
  };
}
