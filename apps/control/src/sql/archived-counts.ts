import type { Queryable } from './queryable';
import type { ExecutionInstanceRow } from './rows';

export type ArchivedCountRow = Pick<ExecutionInstanceRow, 'name'> & { count: string };

/** Events archived per account (a bigint, as text). Read at each scrape. */
export async function archivedCounts(db: Queryable): Promise<ArchivedCountRow[]> {
  const { rows } = await db.query<ArchivedCountRow>({
    name: 'mc_archived_counts',
    text: 'SELECT name, archived_count::text AS count FROM execution_instances',
  });
  return rows;
}
