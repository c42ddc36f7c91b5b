import type { Queryable } from './queryable';
import type { ExecutionInstanceRow } from './rows';

export type ArchiveLagRow = Pick<ExecutionInstanceRow, 'name'> & { lag: number | null };

/** Seconds since each account's archive was last read successfully (null: never). Read at each scrape. */
export async function archiveLag(db: Queryable): Promise<ArchiveLagRow[]> {
  const { rows } = await db.query<ArchiveLagRow>({
    name: 'mc_archive_lag',
    text: 'SELECT name, extract(epoch FROM now() - last_success_at)::float8 AS lag FROM execution_instances',
  });
  return rows;
}
