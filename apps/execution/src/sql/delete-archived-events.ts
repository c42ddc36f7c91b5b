import type pg from 'pg';

/**
 * Deletes at most `batchSize` events (their delivery logs cascade) that are final, older than the
 * retention **and** at or before the cursor `consumer` acknowledged — never an event it has not
 * archived (an event changed after the acknowledgement has a newer change id, so it is kept) —
 * nor one the webhook fan-out (`alsoWaitFor`, when it has a cursor) has not read yet.
 */
export async function deleteArchivedEvents(pool: pg.Pool, consumer: string, retentionMs: number, batchSize: number, alsoWaitFor: string): Promise<number> {
  const { rowCount } = await pool.query(
    `DELETE FROM events WHERE id IN (
       SELECT e.id FROM events e
       JOIN archive_acknowledgements a ON a.consumer = $1
       WHERE e.status IN ('sent', 'ignored', 'delivery_failed', 'not_taken_into_account', 'expired')
         AND e.updated_at < now() - make_interval(secs => $2::double precision / 1000)
         AND (e.change_xid, e.id) <= (a.change_xid, a.event_id)
         AND NOT EXISTS (SELECT 1 FROM archive_acknowledgements w WHERE w.consumer = $4 AND (e.change_xid, e.id) > (w.change_xid, w.event_id))
       LIMIT $3)`,
    [consumer, retentionMs, batchSize, alsoWaitFor],
  );
  return rowCount ?? 0;
}
