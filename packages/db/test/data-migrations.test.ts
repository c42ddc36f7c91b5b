import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { CONTROL_MIGRATIONS_DIR, EXECUTION_MIGRATIONS_DIR, createDatabaseIfMissing, dropDatabaseIfExists, migrate } from '../src';
import { databaseUrl } from '@mc/testing';

/**
 * Migrations that change existing rows, tried on rows written before them: the database is
 * migrated up to the migration under test, filled as the older code would have, then migrated
 * to the end.
 */
async function withDatabaseBefore(migrationsDir: string, migration: string, test: (db: { query(sql: string): Promise<pg.QueryResult>; migrateRest(): Promise<void> }) => Promise<void>) {
  const url = databaseUrl(`mc_test_data_migration_${randomBytes(6).toString('hex')}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mc-data-migrations-'));
  const names = (await readdir(migrationsDir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  expect(names).toContain(migration);
  const copy = (selected: string[]) => Promise.all(selected.map((name) => cp(path.join(migrationsDir, name), path.join(dir, name), { recursive: true })));
  await createDatabaseIfMissing(url);
  const client = new pg.Client({ connectionString: url });
  try {
    await copy(names.filter((name) => name < migration));
    await migrate({ databaseUrl: url, migrationsDir: dir });
    await client.connect();
    await test({
      query: (sql) => client.query(sql),
      async migrateRest() {
        await copy(names.filter((name) => name >= migration));
        await migrate({ databaseUrl: url, migrationsDir: dir });
      },
    });
  } finally {
    await client.end().catch(() => undefined);
    await dropDatabaseIfExists(url);
    await rm(dir, { recursive: true, force: true });
  }
}

describe('data migrations', () => {
  it('producers (execution): events and keys stored before all belong to "default" (so every key still reads what it wrote); externalId becomes unique per producer', async () => {
    await withDatabaseBefore(EXECUTION_MIGRATIONS_DIR, '20261202000000_producers', async (db) => {
      await db.query(`INSERT INTO api_keys (id, name, hash, prefix, scopes) VALUES
        (gen_random_uuid(), 'bootstrap-producer', 'h1', 'mc_dev_p', '{events:write}'), (gen_random_uuid(), 'shop', 'h2', 'mc_abcde', '{events:write}')`);
      await db.query(`INSERT INTO events (id, kind, type, channel, email, external_id, job_id) VALUES
        (gen_random_uuid(), 'rt', 'T', 'email', 'a@example.com', 'order-1', 'j1')`);
      await db.migrateRest();
      const keys = await db.query('SELECT name, producer FROM api_keys ORDER BY name');
      expect(keys.rows).toEqual([
        { name: 'bootstrap-producer', producer: 'default' },
        { name: 'shop', producer: 'default' },
      ]);
      expect((await db.query('SELECT producer, external_id FROM events')).rows).toEqual([{ producer: 'default', external_id: 'order-1' }]);
      await db.query(`INSERT INTO events (id, producer, kind, type, channel, email, external_id, job_id) VALUES
        (gen_random_uuid(), 'shop', 'rt', 'T', 'email', 'a@example.com', 'order-1', 'j2')`);
      await expect(
        db.query(`INSERT INTO events (id, producer, kind, type, channel, email, external_id, job_id) VALUES
          (gen_random_uuid(), 'shop', 'rt', 'T', 'email', 'a@example.com', 'order-1', 'j3')`),
      ).rejects.toMatchObject({ code: '23505' });
    });
  });

  it('api key ids (execution): the first characters of each key, kept for listings, are replaced by a random id', async () => {
    await withDatabaseBefore(EXECUTION_MIGRATIONS_DIR, '20261202010000_api_key_ids', async (db) => {
      await db.query(`INSERT INTO api_keys (id, name, producer, hash, prefix, scopes) VALUES
        (gen_random_uuid(), 'a', 'a', 'h1', 'mc_abcde', '{events:write}'), (gen_random_uuid(), 'b', 'b', 'h2', 'mc_fghij', '{events:write}')`);
      await db.migrateRest();
      const { rows } = await db.query('SELECT * FROM api_keys ORDER BY name');
      expect(rows.map((row) => row.key_id)).toEqual([expect.stringMatching(/^key_[0-9a-f]{10}$/), expect.stringMatching(/^key_[0-9a-f]{10}$/)]);
      expect(rows[0].key_id).not.toBe(rows[1].key_id);
      expect(JSON.stringify(rows)).not.toMatch(/mc_abcde|mc_fghij/);
    });
  });

  it('archive served head (execution): every event stored before counts as served, so the cursor control holds stays valid', async () => {
    await withDatabaseBefore(EXECUTION_MIGRATIONS_DIR, '20261202020000_archive_served_head', async (db) => {
      await db.query(`INSERT INTO events (id, producer, kind, type, channel, email, job_id)
        SELECT gen_random_uuid(), 'default', 'rt', 'T', 'email', 'a@example.com', 'j' || n FROM generate_series(1, 3) AS n`);
      const last = (await db.query('SELECT change_xid::text AS xid, id::text FROM events ORDER BY change_xid DESC, id DESC LIMIT 1')).rows[0];
      await db.migrateRest();
      const { rows } = await db.query(`SELECT change_xid::text AS xid, served_change_xid::text AS served_xid, served_event_id::text AS served_id
        FROM archive_acknowledgements WHERE consumer = 'control'`);
      expect(rows).toEqual([{ xid: '-1', served_xid: last.xid, served_id: last.id }]);
    });
  });

  it('archive served head (execution): when purge deleted the acknowledged events, the acknowledgement still counts as served', async () => {
    await withDatabaseBefore(EXECUTION_MIGRATIONS_DIR, '20261202020000_archive_served_head', async (db) => {
      // Control read everything, acknowledged it, and purge deleted it all: no event is left.
      await db.query(`INSERT INTO archive_acknowledgements (consumer, change_xid, event_id) VALUES ('control', 4242, '01a23624-4649-7000-be44-91a26c2ea011')`);
      await db.migrateRest();
      const { rows } = await db.query(`SELECT change_xid::text AS xid, served_change_xid::text AS served_xid, served_event_id::text AS served_id
        FROM archive_acknowledgements WHERE consumer = 'control'`);
      expect(rows).toEqual([{ xid: '4242', served_xid: '4242', served_id: '01a23624-4649-7000-be44-91a26c2ea011' }]);
    });
  });

  it('archived count (control): recounted as distinct events', async () => {
    await withDatabaseBefore(CONTROL_MIGRATIONS_DIR, '20261202010000_archived_count_distinct', async (db) => {
      await db.query(`INSERT INTO execution_instances (name, url, credential, archived_count) VALUES ('east', 'http://e', 'v1:x', 7)`);
      await db.query(`INSERT INTO archived_events (instance, id, producer, kind, type, channel, status, attempts, created_at, updated_at)
        SELECT 'east', gen_random_uuid(), 'default', 'rt', 'T', 'email', 'sent', 1, now(), now() FROM generate_series(1, 3)`);
      await db.migrateRest();
      expect((await db.query('SELECT archived_count::int AS n FROM execution_instances')).rows).toEqual([{ n: 3 }]);
    });
  });

  it('producers (control): events archived before belong to "default"', async () => {
    await withDatabaseBefore(CONTROL_MIGRATIONS_DIR, '20261202000000_producers', async (db) => {
      await db.query(`INSERT INTO archived_events (instance, id, kind, type, channel, status, attempts, created_at, updated_at)
        VALUES ('east', gen_random_uuid(), 'rt', 'T', 'email', 'sent', 1, now(), now())`);
      await db.migrateRest();
      expect((await db.query('SELECT producer FROM archived_events')).rows).toEqual([{ producer: 'default' }]);
    });
  });
});
