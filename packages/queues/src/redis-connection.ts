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

/** One ioredis client, with an error listener (an unhandled 'error' event would crash the process). */
export function createRedisConnection(options: RedisConnectionOptions): Redis {
  const redis = new Redis(options.redisUrl, {
    maxRetriesPerRequest: options.role === 'worker' ? null : 1,
    enableOfflineQueue: options.role === 'worker',
    // Reconnect forever, backing off to 2 s: Redis restarts are expected and survived.
    retryStrategy: (times) => Math.min(times * 100, 2_000),
    connectionName: `message-center-${options.role}`,
  });
  let lastLogged = 0;
  redis.on('error', (error: Error) => {
    // A Redis outage makes an error per retry; one line every 10 s says enough.
    if (Date.now() - lastLogged > 10_000) {
      lastLogged = Date.now();
      options.logger.error('Redis connection error', { error: error.message, redisUrl: redactUrl(options.redisUrl) });
    }
  });
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
