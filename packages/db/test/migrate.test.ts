import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { EXECUTION_MIGRATIONS_DIR, createDatabaseIfMissing, dropDatabaseIfExists, migrate, prepareDatabase } from '../src';
import { databaseUrl } from '@mc/testing';

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
}

/** Three migrations that each fail when run twice, so a double application cannot go unnoticed. */
const NOTES_MIGRATIONS = {
  '20260101000000_create_notes': 'CREATE TABLE notes (id integer PRIMARY KEY);\n',
  '20260102000000_add_note_body': 'ALTER TABLE notes ADD COLUMN body text NOT NULL;\n',
  '20260103000000_create_tags': 'CREATE TABLE tags (note_id integer NOT NULL REFERENCES notes (id));\n',
};
const NOTES_MIGRATION_NAMES = Object.keys(NOTES_MIGRATIONS);

const sha256 = (content: Buffer | string) => createHash('sha256').update(content).digest('hex');

async function query<TRow extends pg.QueryResultRow>(url: string, sql: string): Promise<TRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<TRow>(sql)).rows;
  } finally {
    await client.end();
  }
}

const recordedMigrations = (url: string) =>
  query<MigrationRow>(
    url,
    'SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
  );

async function tableExists(url: string, table: string): Promise<boolean> {
  const [row] = await query<{ exists: boolean }>(url, `SELECT to_regclass('public.${table}') IS NOT NULL AS exists`);
  return row?.exists ?? false;
}

describe('the migration runner', () => {
  let url: string;
  let migrationsDir: string;

  /** Writes `<migrationsDir>/<name>/migration.sql` for each entry. */
  async function writeMigrations(migrations: Record<string, string>): Promise<void> {
    for (const [name, sql] of Object.entries(migrations)) {
      await mkdir(path.join(migrationsDir, name), { recursive: true });
      await writeFile(path.join(migrationsDir, name, 'migration.sql'), sql);
    }
  }

  beforeEach(async () => {
    url = databaseUrl(`mc_test_migrate_${randomBytes(6).toString('hex')}`);
    migrationsDir = await mkdtemp(path.join(os.tmpdir(), 'mc-migrations-'));
  });
  afterEach(async () => {
    await dropDatabaseIfExists(url);
    await rm(migrationsDir, { recursive: true, force: true });
  });

  it("when an empty database is migrated, then every migration is applied in order and recorded with Prisma's checksum", async () => {
    await createDatabaseIfMissing(url);
    const names = (await readdir(EXECUTION_MIGRATIONS_DIR, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    const reported: string[] = [];

    const result = await migrate({ databaseUrl: url, migrationsDir: EXECUTION_MIGRATIONS_DIR, onApplied: (name) => reported.push(name) });

    expect(names.length).toBeGreaterThan(0);
    expect(result).toEqual({ applied: names, alreadyApplied: 0 });
    expect(reported).toEqual(names);
    const checksums = await Promise.all(names.map(async (name) => sha256(await readFile(path.join(EXECUTION_MIGRATIONS_DIR, name, 'migration.sql')))));
    expect(await recordedMigrations(url)).toEqual(
      names.map((name, i) => ({
        migration_name: name,
        checksum: checksums[i],
        finished_at: expect.any(Date),
        rolled_back_at: null,
        applied_steps_count: 1,
      })),
    );
    expect(await tableExists(url, 'events')).toBe(true);
  });

  it('when a migrated database is migrated again, then nothing is applied and the records stay as they were', async () => {
    await createDatabaseIfMissing(url);
    await writeMigrations(NOTES_MIGRATIONS);
    await migrate({ databaseUrl: url, migrationsDir });
    const before = await recordedMigrations(url);

    const again = await migrate({ databaseUrl: url, migrationsDir });

    expect(again).toEqual({ applied: [], alreadyApplied: NOTES_MIGRATION_NAMES.length });
    expect(await recordedMigrations(url)).toEqual(before);
  });

  it('when a new migration is added to a migrated database, then only that one is applied', async () => {
    await createDatabaseIfMissing(url);
    const [first, ...rest] = Object.entries(NOTES_MIGRATIONS);
    await writeMigrations(Object.fromEntries(first ? [first] : []));
    await migrate({ databaseUrl: url, migrationsDir });
    await writeMigrations(Object.fromEntries(rest));

    const result = await migrate({ databaseUrl: url, migrationsDir });

    expect(result).toEqual({ applied: NOTES_MIGRATION_NAMES.slice(1), alreadyApplied: 1 });
  });

  it('when five instances (one connection each) migrate a fresh database at once, then each migration is applied once and all resolve', async () => {
    await createDatabaseIfMissing(url);
    await writeMigrations(NOTES_MIGRATIONS);

    const results = await Promise.all(Array.from({ length: 5 }, () => migrate({ databaseUrl: url, migrationsDir })));

    expect(results.flatMap((result) => result.applied)).toEqual(NOTES_MIGRATION_NAMES);
    for (const result of results) expect(result.applied.length + result.alreadyApplied).toBe(NOTES_MIGRATION_NAMES.length);
    expect((await recordedMigrations(url)).map((row) => row.migration_name)).toEqual(NOTES_MIGRATION_NAMES);
  });

  it('when five instances start at once against a database that does not exist, then it is created once and migrated once', async () => {
    await writeMigrations(NOTES_MIGRATIONS);

    const results = await Promise.all(Array.from({ length: 5 }, () => prepareDatabase({ databaseUrl: url, migrationsDir })));

    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(results.flatMap((result) => result.applied)).toEqual(NOTES_MIGRATION_NAMES);
    expect((await recordedMigrations(url)).map((row) => row.migration_name)).toEqual(NOTES_MIGRATION_NAMES);
  });

  it('when an applied migration file is edited, then migrate refuses with an error naming it and applies nothing after it', async () => {
    await createDatabaseIfMissing(url);
    const [first, second] = NOTES_MIGRATION_NAMES;
    await writeMigrations({ [first!]: NOTES_MIGRATIONS['20260101000000_create_notes'] });
    await migrate({ databaseUrl: url, migrationsDir });
    await writeMigrations({
      [first!]: 'CREATE TABLE notes (id bigint PRIMARY KEY);\n',
      [second!]: NOTES_MIGRATIONS['20260102000000_add_note_body'],
    });

    await expect(migrate({ databaseUrl: url, migrationsDir })).rejects.toThrow(
      `Migration ${first} was changed after it was applied: add a new migration instead of editing it.`,
    );
    expect((await recordedMigrations(url)).map((row) => row.migration_name)).toEqual([first]);
  });

  it('when a migration fails, then it is rolled back and leaves neither its record nor its tables behind', async () => {
    await createDatabaseIfMissing(url);
    const failing = '20260102000000_create_tags_then_fail';
    await writeMigrations({
      '20260101000000_create_notes': NOTES_MIGRATIONS['20260101000000_create_notes'],
      [failing]: 'CREATE TABLE tags (name text);\nINSERT INTO no_such_table VALUES (1);\n',
    });

    await expect(migrate({ databaseUrl: url, migrationsDir })).rejects.toThrow(
      `Migration ${failing} failed: relation "no_such_table" does not exist`,
    );
    expect((await recordedMigrations(url)).map((row) => row.migration_name)).toEqual(['20260101000000_create_notes']);
    expect(await tableExists(url, 'notes')).toBe(true);
    expect(await tableExists(url, 'tags')).toBe(false);

    // Once the file is fixed, the next start applies it: nothing half-done blocks it.
    await writeMigrations({ [failing]: 'CREATE TABLE tags (name text);\n' });
    expect(await migrate({ databaseUrl: url, migrationsDir })).toEqual({ applied: [failing], alreadyApplied: 1 });
    expect(await tableExists(url, 'tags')).toBe(true);
  });
  it('when a migration carries its own BEGIN/COMMIT, then it is refused before anything of it runs', async () => {
    await createDatabaseIfMissing(url);
    await writeMigrations({
      '20260101000000_create_notes': NOTES_MIGRATIONS['20260101000000_create_notes'],
      '20260102000000_alter_enum': 'BEGIN;\nCREATE TABLE half_done (id integer);\nCOMMIT;\nCREATE TABLE broken (id int REFERENCES nowhere (id));\n',
    });
    await expect(migrate({ databaseUrl: url, migrationsDir })).rejects.toThrow(/20260102000000_alter_enum has its own BEGIN\/COMMIT/);
    expect(await tableExists(url, 'half_done')).toBe(false);
    expect((await recordedMigrations(url)).map((row) => row.migration_name)).toEqual(['20260101000000_create_notes']);
  });

  it('when an applied migration only had its line endings converted, then it is still recognised', async () => {
    await createDatabaseIfMissing(url);
    await writeMigrations({ '20260101000000_create_notes': 'CREATE TABLE notes (id integer PRIMARY KEY);\nCREATE INDEX notes_id ON notes (id);\n' });
    await migrate({ databaseUrl: url, migrationsDir });
    await writeMigrations({ '20260101000000_create_notes': 'CREATE TABLE notes (id integer PRIMARY KEY);\r\nCREATE INDEX notes_id ON notes (id);\r\n' });
    await expect(migrate({ databaseUrl: url, migrationsDir })).resolves.toEqual({ applied: [], alreadyApplied: 1 });
  });
});
