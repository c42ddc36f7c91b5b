import { Redis } from 'ioredis';
import { coerceError, hostAndPort, SECOND, UnreachableError } from '@mc/domain';

const HOW_TO_START = 'start it (redis-server --daemonize yes --bind 127.0.0.1 --port 6379; Docker: docker compose up -d redis) or set REDIS_URL';

export async function assertRedisReachable(redisUrl: string, timeoutMs = 5 * SECOND): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  // ioredis rejects with "Connection is closed."; the 'error' event has the real cause.
  let cause: Error | undefined;
  redis.on('error', (error: Error) => {
    cause ??= error;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (thrown) {
    const reason = (cause ?? coerceError(thrown)).message || 'no answer';
    throw new UnreachableError(`Redis is unreachable at ${hostAndPort(redisUrl, 6379)} (REDIS_URL): ${reason} — ${HOW_TO_START}.`);
  } finally {
    redis.disconnect();
  }
}
