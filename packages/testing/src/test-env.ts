import path from 'node:path';

/** Where tests find PostgreSQL and Redis (the machine's defaults unless overridden). */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The migrated template each test file clones its database from. */
export const TEMPLATE_DATABASES = {
  execution: 'mc_test_template_execution',
  control: 'mc_test_template_control',
} as const;

export function databaseUrl(name: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The repository's root, for tests that spawn an app's entry point or read its files. */
export const REPO_ROOT = path.resolve(__dirname, '../../..');
