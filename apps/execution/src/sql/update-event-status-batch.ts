import type pg from 'pg';

/**
 * Copies final delivery-log statuses onto their events, one bounded batch per statement:
 * `sent → sent`, `ignored → ignored`, `failed → delivery_failed`. Only events still
 * `pending_delivery` move, with one exception: a delivery that bounced after it was sent (a DSN
 * received later, see inbound/) takes its event `sent → delivery_failed`. Nothing else moves
 * backwards, and `FOR UPDATE SKIP LOCKED` lets several processes
 * run it at once without waiting on or double-handling each other's rows.
 */
export async function updateEventStatusBatch(pool: pg.Pool, batchSize: number): Promise<{ synced: number; moved: Record<string, number> }> {
  const { rows } = await pool.query<{ synced: number; moved: Record<string, number> | null }>({
    name: 'mc_update_event_status',
    text: `WITH batch AS (
       SELECT id, event_id, status FROM delivery_logs
       WHERE synced_at IS NULL AND status IN ('sent', 'ignored', 'failed')
       LIMIT $1
       FOR UPDATE SKIP LOCKED
     ), moved AS (
       UPDATE events e
       SET status = (CASE b.status WHEN 'sent' THEN 'sent' WHEN 'ignored' THEN 'ignored' ELSE 'delivery_failed' END)::"EventStatus",
           status_reason = CASE WHEN b.status = 'sent' THEN e.status_reason ELSE d.last_error END,
           updated_at = now()
       FROM batch b JOIN delivery_logs d ON d.id = b.id
       WHERE e.id = b.event_id
         AND (e.status::text = 'pending_delivery' OR (e.status::text = 'sent' AND b.status = 'failed'))
       RETURNING e.status
     ), synced AS (
       UPDATE delivery_logs d SET synced_at = now()
       FROM batch b WHERE d.id = b.id
       RETURNING 1
     )
     SELECT (SELECT count(*)::int FROM synced) AS synced,
            (SELECT json_object_agg(status, events) FROM (SELECT status::text, count(*)::int AS events FROM moved GROUP BY status) s) AS moved`,
    values: [batchSize],
  });
  return { synced: rows[0]?.synced ?? 0, moved: rows[0]?.moved ?? {} };
}
