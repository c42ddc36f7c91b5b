import type pg from 'pg';
import type { Logger } from '@mc/observability';

export const PURGE_ARCHIVED_EVENTS_SCHEDULER_ID = 'purge-archived-events';
/** The consumer whose acknowledgement allows a purge: the control instance. */
export const ARCHIVE_CONSUMER = 'control';

export interface PurgeArchivedEventsContext {
  pool: pg.Pool;
  logger: Logger;
  /** Final events younger than this (ms) are kept. */
  retentionMs: number;
  /** Events deleted per statement. */
  batchSize: number;
}

/**
 * Deletes, with their delivery logs, events that are final, older than the retention **and**
 * at or before the cursor the control instance acknowledged — never an event it has not archived
 * (an event changed after the acknowledgement has a newer change id, so it is kept too).
 */
export async function purgeArchivedEvents(context: PurgeArchivedEventsContext): Promise<number> {
  let purged = 0;
  for (;;) {
    const { rowCount } = await context.pool.query(
      `DELETE FROM events WHERE id IN (
         SELECT e.id FROM events e
         JOIN archive_acknowledgements a ON a.consumer = $1
         WHERE e.status IN ('sent', 'ignored', 'delivery_failed', 'not_taken_into_account', 'expired')
           AND e.updated_at < now() - make_interval(secs => $2::double precision / 1000)
           AND (e.change_xid, e.id) <= (a.change_xid, a.event_id)
         LIMIT $3)`,
      [ARCHIVE_CONSUMER, context.retentionMs, context.batchSize],
    );
    purged += rowCount ?? 0;
    if ((rowCount ?? 0) < context.batchSize) break;
  }
  if (purged > 0) context.logger.info('purged archived events', { purged });
  return purged;
}
