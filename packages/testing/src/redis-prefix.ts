import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from './test-env';

/** A queue prefix no other test file uses (hash-tagged like production ones). */
export function randomQueuePrefix(): string {
  return `{mc-test-${randomBytes(5).toString('hex')}}`;
}

/** Deletes every key under `prefix` (what obliterating all of a test's queues amounts to). */
export async function deleteRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
