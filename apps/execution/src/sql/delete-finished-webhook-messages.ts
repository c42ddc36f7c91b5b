import type pg from 'pg';

/** Deletes at most `batchSize` webhook messages (with their attempts) delivered or given up more than `keepMs` ago. */
export async function deleteFinishedWebhookMessages(pool: pg.Pool, keepMs: number, batchSize: number): Promise<number> {
  const { rowCount } = await pool.query(
    `DELETE FROM webhook_messages WHERE id IN (
       SELECT id FROM webhook_messages
       WHERE state <> 'pending' AND finished_at < now() - make_interval(secs => $1::double precision / 1000) LIMIT $2)`,
    [keepMs, batchSize],
  );
  return rowCount ?? 0;
}
