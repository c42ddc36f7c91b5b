import pg from 'pg';
import { Redis } from 'ioredis';
import { coerceError, SECOND } from '@mc/domain';
import { maintenanceUrl } from '@mc/db';
import { StartupError } from './startup-checks';

/** A backing service is unreachable: the message is one line a person can act on. */
export class UnreachableError extends StartupError {
  constructor(message: string) {
    super(message);
    this.name = 'UnreachableError';
  }
}

function hostPort(url: string, defaultPort: number): string {
  const parsed = new URL(url);
  return `${parsed.hostname || '127.0.0.1'}:${parsed.port || defaultPort}`;
}

const HOW_TO_START = {
  postgres:
    'start it (Debian: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start; Docker: docker compose up -d postgres) or set the database URL',
  redis:
    'start it (redis-server --daemonize yes --bind 127.0.0.1 --port 6379; Docker: docker compose up -d redis) or set REDIS_URL',
};

/** Connects to the server of `databaseUrl` (its maintenance database, which exists before ours). */
export async function assertPostgresReachable(databaseUrl: string, variable: string, timeoutMs = 5 * SECOND): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl(databaseUrl), connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (thrown) {
    throw new UnreachableError(
      `PostgreSQL is unreachable at ${hostPort(databaseUrl, 5432)} (${variable}): ${coerceError(thrown).message || 'no answer'} — ${HOW_TO_START.postgres}.`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

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
    throw new UnreachableError(
      `Redis is unreachable at ${hostPort(redisUrl, 6379)} (REDIS_URL): ${reason} — ${HOW_TO_START.redis}.`,
    );
  } finally {
    redis.disconnect();
  }
}
