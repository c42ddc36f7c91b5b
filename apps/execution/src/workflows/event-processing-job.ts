import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { coerceError, type Logger } from '@mc/domain';
import type { LinkingContext, LinkingOutcome } from './event-linking';
import { expirePendingEvents } from './event-linking-store';
import { deliverEvents, type DeliveryContext, type DeliverySummary } from '../delivery/deliver-events';
import { failAbandonedDeliveries } from '../delivery/deliveries-store';

export interface EventProcessingContext extends LinkingContext {
  logger: Logger;
  delivery: DeliveryContext;
}

/** How a job links its events: set-based for a batch chunk, grouped across jobs for real-time ones. */
export type LinkStep = (eventIds: readonly string[], attempt: number) => Promise<LinkingOutcome>;

export interface EventProcessingResult extends DeliverySummary {
  linked: number;
  notTakenIntoAccount: number;
  expired: number;
}

/** How long after another worker's lease ends a job looks again (clocks of two processes differ a little). */
const LEASE_END_MARGIN_MS = 250;

/** Thrown when deliveries are left for a later try: BullMQ retries the job with backoff. */
export class DeliveriesPendingError extends Error {
  constructor(summary: DeliverySummary) {
    const held = summary.heldElsewhere > 0 ? `, ${summary.heldElsewhere} held by worker ${summary.heldBy?.join(', ') ?? '?'} until ${summary.heldUntil?.toISOString() ?? '?'}` : '';
    super(`${summary.retrying} delivery(ies) to retry${held}`);
    this.name = 'DeliveriesPendingError';
  }
}

/**
 * One job of `rtEventsProcessing` or `batchEventsProcessing`: link its events to their templates,
 * then deliver them. Every step is idempotent, so a retry (or a duplicate job) picks up where the
 * last try stopped: linked events are not linked again, sent deliveries are not sent again.
 *
 * - Run before its events' `scheduledAt` (promoted by hand, a clock ahead): delayed until then.
 * - Deliveries left to retry (transient failures) or held by another worker: the job fails this
 *   attempt and BullMQ retries it with exponential backoff and jitter.
 * - Its last attempt failed, or its data can never be processed: its still-pending events become
 *   `expired` and its unsent deliveries `failed`, with the reason — nothing is left waiting forever.
 */
export async function runEventProcessingJob(
  context: EventProcessingContext,
  link: LinkStep,
  eventIds: readonly string[],
  job: Job,
  token: string | undefined,
): Promise<EventProcessingResult> {
  const attempt = job.attemptsMade + 1;
  try {
    const linking = await link(eventIds, attempt);
    if (linking.notDue.until && token) {
      await job.moveToDelayed(linking.notDue.until.getTime(), token);
      throw new DelayedError();
    }
    const delivery = await deliverEvents(context.delivery, eventIds, linking.linked, job.queueName);
    const result = {
      linked: linking.linked.length,
      notTakenIntoAccount: linking.notTakenIntoAccount.length,
      expired: linking.expired.length,
      ...delivery,
    };
    context.logger.debug('events processed', { queue: job.queueName, jobId: job.id, eventId: eventIds.length === 1 ? eventIds[0] : undefined, ...result });
    // Held by another worker, nothing of ours to retry: come back when its lease ends (then it
    // has recorded them, or it died and they are ours to take over) — without spending an attempt.
    if (delivery.retrying === 0 && delivery.heldElsewhere > 0 && delivery.heldUntil && token) {
      context.logger.debug('deliveries held by another worker; waiting for its lease to end', {
        queue: job.queueName,
        jobId: job.id,
        heldBy: delivery.heldBy,
        heldUntil: delivery.heldUntil.toISOString(),
      });
      await job.moveToDelayed(delivery.heldUntil.getTime() + LEASE_END_MARGIN_MS, token);
      throw new DelayedError();
    }
    if (delivery.retrying > 0 || delivery.heldElsewhere > 0) throw new DeliveriesPendingError(delivery);
    return result;
  } catch (thrown) {
    if (thrown instanceof DelayedError) throw thrown;
    const error = coerceError(thrown);
    const lastAttempt = thrown instanceof UnrecoverableError || attempt >= (job.opts.attempts ?? 1);
    if (lastAttempt) await giveUp(context, eventIds, job, `processing failed after ${attempt} attempt(s): ${error.message}`);
    throw error;
  }
}

async function giveUp(context: EventProcessingContext, eventIds: readonly string[], job: Job, reason: string): Promise<void> {
  try {
    await expirePendingEvents(context.pool, eventIds, reason);
    await failAbandonedDeliveries(context.pool, eventIds, reason);
  } catch (thrown) {
    context.logger.error('could not close the events of a failed job', { queue: job.queueName, jobId: job.id, error: coerceError(thrown).message });
  }
}
