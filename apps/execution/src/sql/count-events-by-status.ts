import type pg from 'pg';

/** Events by status, for the `mc_events` gauge. */
export async function countEventsByStatus(pool: pg.Pool): Promise<Array<{ status: string; count: number }>> {
  const { rows } = await pool.query<{ status: string; count: number }>('SELECT status, count(*)::int AS count FROM events GROUP BY status');
  return rows;
}
