import type { Queryable } from './queryable';

export interface ArchivedEventCountRow {
  instance: string;
  type: string;
  status: string;
  count: number;
}

/** Archived events counted by instance × type × status. */
export async function countArchivedEvents(db: Queryable): Promise<ArchivedEventCountRow[]> {
  const { rows } = await db.query<ArchivedEventCountRow>(
    `SELECT instance, type, status, count(*)::int AS count FROM archived_events GROUP BY instance, type, status ORDER BY instance, type, status`,
  );
  return rows;
}
