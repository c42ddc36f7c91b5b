import type pg from 'pg';
import type { Logger } from '@mc/observability';

export const UPDATE_EVENT_STATUS_SCHEDULER_ID = 'update-event-status';

export interface UpdateEventStatusContext {
  pool: pg.Pool;
  logger: Logger;
  /** Delivery logs handled per statement. */
  batchSize: number;
  /** A run stops after this long (ms) even if not caught up; the next run goes on. */
  maxRunMs: number;
}

/**
 * Copies final delivery-log statuses onto their events, one bounded batch per statement:
 * `sent → sent`, `ignored → ignored`, `failed → delivery_failed`. Only events still
 * `pending_delivery` move (never backwards), and `FOR UPDATE SKIP LOCKED` lets several processes
 * run it at once without waiting on or double-handling each other's rows.
 */
export async function updateEventStatusBatch(pool: pg.Pool, batchSize: number): Promise<number> {
  const { rowCount } = await pool.query({
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
       WHERE e.id = b.event_id AND e.status = 'pending_delivery'
       RETURNING e.id
     )
     UPDATE delivery_logs d SET synced_at = now()
     FROM batch b WHERE d.id = b.id`,
    values: [batchSize],
  });
  return rowCount ?? 0;
}

/** Runs batches until caught up or out of time. */
export async function updateEventStatus(context: UpdateEventStatusContext): Promise<{ synced: number; caughtUp: boolean }> {
  const started = Date.now();
  let synced = 0;
  for (;;) {
    const count = await updateEventStatusBatch(context.pool, context.batchSize);
    synced += count;
    if (count < context.batchSize) return { synced, caughtUp: true };
    if (Date.now() - started > context.maxRunMs) {
      context.logger.info('updateEventStatus: not caught up within a run, continuing next run', { synced });
      return { synced, caughtUp: false };
    }
  }
}
