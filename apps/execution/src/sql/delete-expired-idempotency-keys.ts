import type pg from 'pg';

/** Deletes at most `batchSize` idempotency keys older than `keepMs` (their replay window is over). */
export async function deleteExpiredIdempotencyKeys(pool: pg.Pool, keepMs: number, batchSize: number): Promise<number> {
  const { rowCount } = await pool.query(
    `DELETE FROM idempotency_keys WHERE (producer, key) IN (
       SELECT producer, key FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1::double precision / 1000) LIMIT $2)`,
    [keepMs, batchSize],
  );
  return rowCount ?? 0;
}
