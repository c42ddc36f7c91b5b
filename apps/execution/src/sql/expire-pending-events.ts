import type pg from 'pg';

/** `pending → expired` for all of `ids` still pending (the job gave up on them). */
export async function expirePendingEvents(pool: pg.Pool, ids: readonly string[], reason: string): Promise<number> {
  const { rowCount } = await pool.query(
    `UPDATE events SET status = 'expired', status_reason = $2, updated_at = now()
     WHERE id = ANY($1::uuid[]) AND status::text = 'pending'`,
    [ids, reason],
  );
  return rowCount ?? 0;
}
