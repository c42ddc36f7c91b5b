import type pg from 'pg';
import { z } from 'zod';
import { AppError, UUID_PATTERN, dateTime, text, uuidv7 } from '@mc/domain';
import type { Logger } from '@mc/observability';
import { dispatchEvents, type EventQueues } from '../intake/event-dispatch';
import { BATCH_CHUNK_SIZE } from '../queues';
import { retryFailedDeliveries, type RetryResult } from '../sql/retry-failed-deliveries';

/** `POST /api/v1/deliveries/retry`: which failed deliveries to send again (every filter optional). */
export const retryFilterSchema = z.strictObject({
  /** Only failed deliveries can be retried; said explicitly when given. */
  status: z.literal('failed').default('failed'),
  type: text().min(1).max(200).optional(),
  /** Part of the delivery's last error, case-insensitive, e.g. `5.1.1` or `timed out`. */
  reason: text().min(1).max(200).optional(),
  since: dateTime().optional(),
  /** At most this many in one call (`more: true` when there may be others). */
  limit: z.number().int().min(1).max(10_000).default(1_000),
});

export interface RetryContext {
  pool: pg.Pool;
  queues: EventQueues;
  logger: Logger;
}

/** Queues the retried events (one job per chunk, fresh ids); a failure is left to the reconciler. */
async function queueRetried(context: RetryContext, retried: RetryResult['retried']): Promise<void> {
  // One job per chunk, named after its first event with a fresh suffix: a retry is a new job.
  const events = retried.map((event) => ({ ...event, scheduledAt: null, jobId: '' }));
  for (let start = 0; start < events.length; start += BATCH_CHUNK_SIZE) {
    const chunk = events.slice(start, start + BATCH_CHUNK_SIZE);
    const jobId = `retry-${chunk[0]?.id ?? ''}-${uuidv7()}`;
    for (const event of chunk) event.jobId = jobId;
  }
  try {
    await dispatchEvents(context.queues, events);
  } catch (thrown) {
    context.logger.warn('retried deliveries not queued now; the reconciler will queue them', { events: events.length, error: (thrown as Error).message });
  }
}

/** `POST /api/v1/events/:id/retry`: the event's failed delivery sent again, or why not. */
export async function retryEvent(context: RetryContext, id: string, retriedBy: string): Promise<{ id: string; status: 'pending_delivery' }> {
  if (!UUID_PATTERN.test(id)) throw new AppError('not_found', `No event ${id}.`);
  const result = await retryFailedDeliveries(context.pool, { eventId: id, limit: 10 }, retriedBy);
  const [suppressed] = result.suppressed;
  if (suppressed) throw new AppError('conflict', `The address of event ${id} is suppressed (${suppressed.reason}); remove the suppression to retry it.`);
  if (result.retried.length === 0) throw new AppError('conflict', `Event ${id} has no failed delivery to retry (only delivery_failed events can be retried).`);
  await queueRetried(context, result.retried);
  return { id, status: 'pending_delivery' };
}

/** `POST /api/v1/deliveries/retry`: every failed delivery matching the filter sent again; counts. */
export async function retryDeliveries(context: RetryContext, filter: z.output<typeof retryFilterSchema>, retriedBy: string) {
  const result = await retryFailedDeliveries(context.pool, filter, retriedBy);
  await queueRetried(context, result.retried);
  context.logger.info('failed deliveries retried', { retried: result.retried.length, suppressed: result.suppressed.length, by: retriedBy });
  return { retried: result.retried.length, suppressed: result.suppressed.length, more: result.retried.length + result.suppressed.length >= filter.limit };
}
