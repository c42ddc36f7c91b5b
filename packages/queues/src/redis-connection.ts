import { Redis } from 'ioredis';
import { FaultLog, type Logger } from '@mc/observability';

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
    // A producer (an HTTP request) never waits on a hung Redis for long; the reconciler catches up.
    ...(options.role === 'producer' ? { commandTimeout: 5_000 } : {}),
  });
  // During an outage: one line per kind of error per interval, and one when it is back.
  const faults = new FaultLog(options.logger, { level: 'error' });
  let downSince: number | undefined;
  redis.on('error', (error: Error) => {
    downSince ??= Date.now();
    faults.report(error.message, 'Redis connection error', { role: options.role, error: error.message, redisUrl: redactUrl(options.redisUrl) });
  });
  redis.on('ready', () => {
    if (downSince === undefined) return;
    options.logger.info('Redis is back', { role: options.role, downForMs: Date.now() - downSince, redisUrl: redactUrl(options.redisUrl) });
    downSince = undefined;
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
