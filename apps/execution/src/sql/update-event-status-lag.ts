import type pg from 'pg';

/** Age in seconds of the oldest final delivery outcome not yet copied onto its event (0: caught up). */
export async function updateEventStatusLag(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ lag: number | null }>(
    `SELECT extract(epoch FROM now() - min(updated_at))::float8 AS lag FROM delivery_logs WHERE synced_at IS NULL AND status <> 'pending'`,
  );
  return rows[0]?.lag ?? 0;
}
