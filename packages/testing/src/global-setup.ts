import pg from 'pg';
import { CONTROL_MIGRATIONS_DIR, EXECUTION_MIGRATIONS_DIR, createDatabaseIfMissing, dropDatabaseIfExists, migrate, assertPostgresReachable } from '@mc/db';
import { assertRedisReachable } from '@mc/queues';
import { TEMPLATE_DATABASES, TEST_POSTGRES_URL, TEST_REDIS_URL, databaseUrl } from './test-env';

/**
 * Once per `npm test`: checks PostgreSQL and Redis answer, drops test databases a previous run
 * left behind, and builds freshly migrated template databases for the test files to clone.
 */
export default async function globalSetup(): Promise<void> {
  await assertPostgresReachable(TEST_POSTGRES_URL, 'TEST_POSTGRES_URL');
  await assertRedisReachable(TEST_REDIS_URL);
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'mc\\_test\\_%'");
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  for (const [kind, migrationsDir] of [
    ['execution', EXECUTION_MIGRATIONS_DIR],
    ['control', CONTROL_MIGRATIONS_DIR],
  ] as const) {
    const url = databaseUrl(TEMPLATE_DATABASES[kind]);
    await dropDatabaseIfExists(url);
    await createDatabaseIfMissing(url);
    await migrate({ databaseUrl: url, migrationsDir });
  }
}
