import type pg from 'pg';
import type { Logger } from '@mc/observability';
import { deleteArchivedEvents } from '../sql/delete-archived-events';

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
    const deleted = await deleteArchivedEvents(context.pool, ARCHIVE_CONSUMER, context.retentionMs, context.batchSize);
    purged += deleted;
    if (deleted < context.batchSize) break;
  }
  if (purged > 0) context.logger.info('purged archived events', { purged });
  return purged;
}
