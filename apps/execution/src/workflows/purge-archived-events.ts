import type pg from 'pg';
import type { Logger } from '@mc/observability';
import { deleteArchivedEvents } from '../sql/delete-archived-events';
import { WEBHOOK_FEED_CONSUMER } from '../sql/fan-out-webhook-messages';
import { deleteExpiredIdempotencyKeys } from '../sql/delete-expired-idempotency-keys';
import { deleteFinishedWebhookMessages } from '../sql/delete-finished-webhook-messages';
import { deleteExpiredSoapSessions } from '../sql/delete-soap-sessions';
import { IDEMPOTENCY_KEEP_MS } from '@mc/contract';

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

/** Runs a bounded DELETE until it deletes less than a batch; how many rows went. */
async function deleteInBatches(batchSize: number, deleteBatch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await deleteBatch();
    total += deleted;
    if (deleted < batchSize) return total;
  }
}

/**
 * Deletes, with their delivery logs, events that are final, older than the retention **and**
 * at or before the cursor the control instance acknowledged — never an event it has not archived
 * (an event changed after the acknowledgement has a newer change id, so it is kept too), nor one
 * the webhook fan-out has not read yet.
 * Idempotency keys whose replay window is over, and webhook messages finished for longer than
 * the retention (with their attempts), and SOAP sessions expired for a day, go with the same job.
 */
export async function purgeArchivedEvents(context: PurgeArchivedEventsContext): Promise<number> {
  const { pool, batchSize } = context;
  const purged = await deleteInBatches(batchSize, () => deleteArchivedEvents(pool, ARCHIVE_CONSUMER, context.retentionMs, batchSize, WEBHOOK_FEED_CONSUMER));
  if (purged > 0) context.logger.info('purged archived events', { purged });
  const keys = await deleteInBatches(batchSize, () => deleteExpiredIdempotencyKeys(pool, IDEMPOTENCY_KEEP_MS, batchSize));
  if (keys > 0) context.logger.info('purged expired idempotency keys', { keys });
  const webhookMessages = await deleteInBatches(batchSize, () => deleteFinishedWebhookMessages(pool, context.retentionMs, batchSize));
  if (webhookMessages > 0) context.logger.info('purged finished webhook messages', { messages: webhookMessages });
  await deleteInBatches(batchSize, () => deleteExpiredSoapSessions(pool, batchSize));
  return purged;
}
