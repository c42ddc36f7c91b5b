import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { coerceError } from '@mc/domain';

/**
 * Applies Prisma-layout SQL migrations (`migrations/<timestamp>_<name>/migration.sql`) without
 * Prisma's native schema engine, which cannot be downloaded on our machines.
 *
 * It keeps Prisma's own bookkeeping table, `_prisma_migrations`, with the same columns and the
 * same checksum (sha256 of the file), so `prisma migrate deploy` and `prisma migrate status`
 * agree with it wherever the native engine exists. A session-level advisory lock makes it safe
 * when several processes start at once: the first applies, the others wait and find nothing to do.
 */

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateOptions {
  /** PostgreSQL connection string of the database to migrate. */
  databaseUrl: string;
  /** Folder holding the `<timestamp>_<name>/migration.sql` folders. */
  migrationsDir: string;
  /** Called once per migration applied, for progress logs. */
  onApplied?: (name: string, ms: number) => void;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

/** Same lock key for every database: advisory locks are per database anyway. */
const MIGRATION_LOCK_KEY = 72_707_369; // the key Prisma's schema engine uses, so both exclude each other

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** A statement that ends or starts a transaction, alone on its line (Prisma writes them around enum changes). */
const TRANSACTION_CONTROL = /^\s*(BEGIN|COMMIT|START\s+TRANSACTION)\s*;/im;

/** Prisma accepts a migration whose line endings were converted (a Windows checkout); so do we. */
function otherLineEndingsChecksum(sql: string): string {
  const converted = sql.includes('\r\n') ? sql.replace(/\r\n/g, '\n') : sql.replace(/\n/g, '\r\n');
  return createHash('sha256').update(converted).digest('hex');
}

export async function readMigrations(migrationsDir: string): Promise<Migration[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const migrations = await readMigrations(options.migrationsDir);
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await applyPending(client, migrations, options);
    } finally {
      // Closing the connection releases the lock anyway; a failed unlock must not hide an error.
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

async function applyPending(client: pg.Client, migrations: Migration[], options: MigrateOptions): Promise<MigrateResult> {
  await client.query(CREATE_MIGRATIONS_TABLE);
  const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
    'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
  );
  const done = new Map(rows.map((row) => [row.migration_name, row]));
  const applied: string[] = [];
  for (const migration of migrations) {
    const previous = done.get(migration.name);
    if (previous) {
      if (previous.finished_at === null) {
        throw new Error(
          `Migration ${migration.name} started but never finished: fix the database by hand, then mark it rolled back (UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '${migration.name}').`,
        );
      }
      if (previous.checksum !== migration.checksum && previous.checksum !== otherLineEndingsChecksum(migration.sql)) {
        throw new Error(`Migration ${migration.name} was changed after it was applied: add a new migration instead of editing it.`);
      }
      continue;
    }
    if (TRANSACTION_CONTROL.test(migration.sql)) {
      throw new Error(
        `Migration ${migration.name} has its own BEGIN/COMMIT: remove them — each migration already runs in one transaction, and a COMMIT inside it would make a failure impossible to roll back.`,
      );
    }
    const started = Date.now();
    const id = randomUUID();
    try {
      // One transaction per migration: a failed migration leaves nothing behind.
      await client.query('BEGIN');
      await client.query(
        'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())',
        [id, migration.checksum, migration.name],
      );
      await client.query(migration.sql);
      await client.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
      await client.query('COMMIT');
    } catch (thrown) {
      // A failed ROLLBACK (connection lost) must not hide the migration's own error.
      await client.query('ROLLBACK').catch(() => undefined);
      throw new Error(`Migration ${migration.name} failed: ${coerceError(thrown).message}`, { cause: thrown });
    }
    applied.push(migration.name);
    options.onApplied?.(migration.name, Date.now() - started);
  }
  return { applied, alreadyApplied: migrations.length - applied.length };
}
