import { createDatabaseIfMissing } from './create-database';
import { migrate, type MigrateResult } from './migrate';

export interface PrepareDatabaseOptions {
  databaseUrl: string;
  migrationsDir: string;
  onApplied?: (name: string, ms: number) => void;
}

/** What every app does at start: create its database if missing, then apply pending migrations. */
export async function prepareDatabase(options: PrepareDatabaseOptions): Promise<MigrateResult & { created: boolean }> {
  const created = await createDatabaseIfMissing(options.databaseUrl);
  const result = await migrate(options);
  return { ...result, created };
}
