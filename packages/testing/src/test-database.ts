import { randomBytes } from 'node:crypto';
import { createDatabaseIfMissing, dropDatabaseIfExists } from '@mc/db';
import { TEMPLATE_DATABASES, databaseUrl } from './test-env';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A database of its own for a test file, cloned from the migrated template (fast: a file copy). */
export async function cloneTestDatabase(kind: keyof typeof TEMPLATE_DATABASES): Promise<TestDatabase> {
  const name = `mc_test_${kind}_${randomBytes(6).toString('hex')}`;
  const url = databaseUrl(name);
  await createDatabaseIfMissing(url, { template: TEMPLATE_DATABASES[kind] });
  return { url, drop: () => dropDatabaseIfExists(url) };
}
