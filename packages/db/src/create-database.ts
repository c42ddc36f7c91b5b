import pg from 'pg';

/** The same server, the `postgres` maintenance database: where CREATE DATABASE is run from. */
export function maintenanceUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  return url.toString();
}

export function databaseNameOf(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(name)) throw new Error(`Unsupported database name "${name}" in the database URL.`);
  return name;
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export interface CreateDatabaseOptions {
  /** Clone this database (`CREATE DATABASE … TEMPLATE …`) instead of starting empty. */
  template?: string;
}

/**
 * Creates the database named in `databaseUrl` when it does not exist. Safe when several
 * processes do it at once (a concurrent creation is taken as success).
 * Returns whether this call created it.
 */
export async function createDatabaseIfMissing(databaseUrl: string, options: CreateDatabaseOptions = {}): Promise<boolean> {
  const name = databaseNameOf(databaseUrl);
  const client = new pg.Client({ connectionString: maintenanceUrl(databaseUrl) });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    const template = options.template ? ` TEMPLATE ${quoteIdentifier(options.template)}` : '';
    try {
      await client.query(`CREATE DATABASE ${quoteIdentifier(name)}${template}`);
      return true;
    } catch (thrown) {
      // 42P04 duplicate_database, 23505 unique_violation on pg_database: another process won the race.
      const code = (thrown as { code?: string }).code;
      if (code === '42P04' || code === '23505') return false;
      throw thrown;
    }
  } finally {
    await client.end();
  }
}

export async function dropDatabaseIfExists(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl(databaseUrl) });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(databaseNameOf(databaseUrl))} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
