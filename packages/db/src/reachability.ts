import pg from 'pg';
import { coerceError, hostAndPort, SECOND, UnreachableError } from '@mc/domain';
import { maintenanceUrl } from './create-database';

const HOW_TO_START =
  'start it (Debian: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start; Docker: docker compose up -d postgres) or set the database URL';

/** Connects to the server of `databaseUrl` (its maintenance database, which exists before ours). */
export async function assertPostgresReachable(databaseUrl: string, variable: string, timeoutMs = 5 * SECOND): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl(databaseUrl), connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (thrown) {
    throw new UnreachableError(`PostgreSQL is unreachable at ${hostAndPort(databaseUrl, 5432)} (${variable}): ${coerceError(thrown).message || 'no answer'} — ${HOW_TO_START}.`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
