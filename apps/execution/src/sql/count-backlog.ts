import type pg from 'pg';

/** Events not final yet, by status, through the (status, created_at) index: what is left to do, never a scan of the table. */
export async function countBacklog(pool: pg.Pool): Promise<Array<{ status: string; count: number }>> {
  const { rows } = await pool.query<{ status: string; count: number }>({
    name: 'mc_count_backlog',
    text: `SELECT status::text AS status, count(*)::int AS count FROM events WHERE status IN ('pending', 'pending_delivery') GROUP BY status`,
  });
  return rows;
}
