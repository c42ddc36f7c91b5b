import { Redis } from 'ioredis';
import type { Logger } from '@mc/domain';

export interface RedisConnectionOptions {
  /** `redis://host:port/db`. */
  redisUrl: string;
  logger: Logger;
  /**
   * `worker`: commands wait for Redis to come back (what BullMQ workers need).
   * `producer`: commands fail fast while Redis is away, so an HTTP request is never stuck on it.
   */
  role: 'worker' | 'producer';
}

/**
 * A log function that writes at most once per `intervalMs` (default 10 s), saying how many it
 * skipped: an outage makes an error per retry, and one line every few seconds says enough.
 */
export function throttled(write: (message: string, meta: Record<string, unknown>) => void, intervalMs = 10_000) {
  let last = 0;
  let skipped = 0;
  return (message: string, meta: Record<string, unknown>) => {
    const now = Date.now();
    if (now - last < intervalMs) {
      skipped += 1;
      return;
    }
    write(message, skipped > 0 ? { ...meta, skippedSimilar: skipped } : meta);
    last = now;
    skipped = 0;
  };
}

/** One ioredis client, with an error listener (an unhandled 'error' event would crash the process). */
export function createRedisConnection(options: RedisConnectionOptions): Redis {
  const redis = new Redis(options.redisUrl, {
    maxRetriesPerRequest: options.role === 'worker' ? null : 1,
    enableOfflineQueue: options.role === 'worker',
    // Reconnect forever, backing off to 2 s: Redis restarts are expected and survived.
    retryStrategy: (times) => Math.min(times * 100, 2_000),
    connectionName: `message-center-${options.role}`,
    // A producer (an HTTP request) never waits on a hung Redis for long; the reconciler catches up.
    ...(options.role === 'producer' ? { commandTimeout: 5_000 } : {}),
  });
  const logError = throttled((message, meta) => options.logger.error(message, meta));
  redis.on('error', (error: Error) => logError('Redis connection error', { error: error.message, redisUrl: redactUrl(options.redisUrl) }));
  return redis;
}

/** A URL without its password, fit for a log line. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable url)';
  }
}

/** Closes a client whatever its state; idempotent. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
