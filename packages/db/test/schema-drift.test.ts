import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { CONTROL_MIGRATIONS_DIR, EXECUTION_MIGRATIONS_DIR, createDatabaseIfMissing, dropDatabaseIfExists, migrate } from '../src';
import { databaseUrl } from '@mc/testing';
import { describeSchemaDrift } from './schema-drift';

const DATABASES = [
  { kind: 'execution', migrationsDir: EXECUTION_MIGRATIONS_DIR },
  { kind: 'control', migrationsDir: CONTROL_MIGRATIONS_DIR },
] as const;

const schemaOf = (migrationsDir: string) => readFileSync(path.join(path.dirname(migrationsDir), 'schema.prisma'), 'utf8');

/** A fresh database of the test's own, with every migration of `migrationsDir` applied. */
async function migratedDatabase(kind: string, migrationsDir: string) {
  const url = databaseUrl(`mc_test_drift_${kind}_${randomBytes(6).toString('hex')}`);
  await createDatabaseIfMissing(url);
  await migrate({ databaseUrl: url, migrationsDir });
  return { url, drop: () => dropDatabaseIfExists(url) };
}

async function runSql(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe.each(DATABASES)('the $kind database', ({ kind, migrationsDir }) => {
  it('when every migration is applied to an empty database, then it matches schema.prisma', async () => {
    const database = await migratedDatabase(kind, migrationsDir);
    try {
      expect(await describeSchemaDrift(schemaOf(migrationsDir), database.url)).toEqual([]);
    } finally {
      await database.drop();
    }
  });
});

describe('the schema drift check', () => {
  const schema = schemaOf(EXECUTION_MIGRATIONS_DIR);
  let database: { url: string; drop(): Promise<void> };
  beforeEach(async () => {
    database = await migratedDatabase('execution', EXECUTION_MIGRATIONS_DIR);
  });
  afterEach(() => database.drop());

  it('when the database has a column, an index and an enum value the schema lacks, then it names each', async () => {
    await runSql(
      database.url,
      `ALTER TABLE events ADD COLUMN extra text;
       CREATE INDEX events_extra_idx ON events (extra);
       ALTER TYPE "Channel" ADD VALUE 'push'`,
    );

    expect(await describeSchemaDrift(schema, database.url)).toEqual([
      'enum Channel: the database has (email, sms, push), schema.prisma expects (email, sms)',
      'column events.extra: in the database but not in schema.prisma (text NULL, no default)',
      'index events_extra_idx: in the database but not in schema.prisma (on events (extra))',
    ]);
  });

  it('when the database misses an index and a foreign key and a column changed, then it names each', async () => {
    await runSql(
      database.url,
      `DROP INDEX events_producer_type_id_idx;
       ALTER TABLE delivery_logs DROP CONSTRAINT delivery_logs_event_id_fkey;
       ALTER TABLE events ALTER COLUMN attempts DROP DEFAULT, ALTER COLUMN status_reason SET NOT NULL,
         ALTER COLUMN scheduled_at TYPE timestamptz(6)`,
    );

    expect(await describeSchemaDrift(schema, database.url)).toEqual([
      'column events.scheduled_at: the database has timestamp(6) with time zone NULL, no default, schema.prisma expects timestamp(3) with time zone NULL, no default',
      'column events.status_reason: the database has text NOT NULL, no default, schema.prisma expects text NULL, no default',
      'column events.attempts: the database has integer NOT NULL, no default, schema.prisma expects integer NOT NULL, DEFAULT 0',
      'index events_producer_type_id_idx: missing from the database (schema.prisma expects on events (producer, type, id))',
      'foreign key delivery_logs_event_id_fkey: missing from the database (schema.prisma expects delivery_logs (event_id) REFERENCES events (id) ON DELETE CASCADE ON UPDATE CASCADE)',
    ]);
  });

  it('when schema.prisma gains a field, a model and a changed default that no migration adds, then it names each', async () => {
    const edited = schema
      .replace('  revokedAt  DateTime?', '  note       String   @default("none")\n  revokedAt  DateTime?')
      .replace('subject     String   @default("")', 'subject     String   @default("(no subject)")')
      .concat('\nmodel AuditEntry {\n  id   BigInt @id @default(autoincrement())\n  what String\n\n  @@map("audit_entries")\n}\n');

    expect(await describeSchemaDrift(edited, database.url)).toEqual([
      'table audit_entries: missing from the database',
      `column published_templates.subject: the database has text NOT NULL, DEFAULT '', schema.prisma expects text NOT NULL, DEFAULT '(no subject)'`,
      `column api_keys.note: missing from the database (schema.prisma expects text NOT NULL, DEFAULT 'none')`,
    ]);
  });
});
