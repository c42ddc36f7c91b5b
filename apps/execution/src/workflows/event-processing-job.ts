import { DelayedError, UnrecoverableError, type Job, type Worker } from 'bullmq';
import type { z } from 'zod';
import { createCatalogWorker, type QueueDefinition, type WorkerOptions } from '@mc/queues';
import { coerceError } from '@mc/domain';
import { linkEvents, type LinkingContext, type LinkingOutcome } from './event-linking';
import { expirePendingEvents } from '../sql/expire-pending-events';
import { deliverEvents, type DeliveryContext, type DeliverySummary } from '../delivery/deliver-events';
import { failAbandonedDeliveries } from '../sql/fail-abandoned-deliveries';

/** One flat context: what linking needs and what delivery needs (pool, lease and metrics shared). */
export interface EventProcessingContext extends LinkingContext, DeliveryContext {}

/** How a job links its events: set-based for a batch chunk, grouped across jobs for real-time ones. */
export type LinkStep = (eventIds: readonly string[], attempt: number) => Promise<LinkingOutcome>;

export interface EventProcessingResult extends DeliverySummary {
  linked: number;
  notTakenIntoAccount: number;
  expired: number;
}

/** How long after another worker's lease ends a job looks again (clocks of two processes differ a little). */
const LEASE_END_MARGIN_MS = 250;
/** A job waits at least this long, so a row due "now" cannot spin it. */
const MIN_WAIT_MS = 20;

function earliest(a: Date | null, b: Date | null): Date | null {
  if (!a) return b;
  if (!b) return a;
  return a < b ? a : b;
}

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
    const delivery = await deliverEvents(context, eventIds, linking.linked, job.queueName);
    const result = {
      linked: linking.linked.length,
      notTakenIntoAccount: linking.notTakenIntoAccount.length,
      expired: linking.expired.length,
      ...delivery,
    };
    if (result.notTakenIntoAccount > 0) context.metrics?.eventsFinal.inc({ status: 'not_taken_into_account' }, result.notTakenIntoAccount);
    if (result.expired > 0) context.metrics?.eventsFinal.inc({ status: 'expired' }, result.expired);
    context.logger.debug('events processed', { queue: job.queueName, jobId: job.id, eventId: eventIds.length === 1 ? eventIds[0] : undefined, ...result });
    // Deliveries to try later (their retry schedule, or their transport's next probe), or held by
    // another worker (it records them, or it died and they are ours once its lease ends): the job
    // waits in the delayed set until the first of those moments, without spending an attempt —
    // attempts are for infrastructure errors. Each run only tries what is due.
    const wakeAt = earliest(delivery.nextAttemptAt ?? null, delivery.heldElsewhere > 0 && delivery.heldUntil ? new Date(delivery.heldUntil.getTime() + LEASE_END_MARGIN_MS) : null);
    if (wakeAt && token) {
      context.logger.debug('deliveries to try later; the job waits', {
        queue: job.queueName,
        jobId: job.id,
        retrying: delivery.retrying,
        heldElsewhere: delivery.heldElsewhere,
        heldBy: delivery.heldBy,
        until: wakeAt.toISOString(),
      });
      await job.moveToDelayed(Math.max(wakeAt.getTime(), Date.now() + MIN_WAIT_MS), token);
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
    const expired = await expirePendingEvents(context.pool, eventIds, reason);
    if (expired > 0) context.metrics?.eventsFinal.inc({ status: 'expired' }, expired);
    await failAbandonedDeliveries(context.pool, eventIds, reason);
  } catch (thrown) {
    context.logger.error('could not close the events of a failed job', { queue: job.queueName, jobId: job.id, error: coerceError(thrown).message });
  }
}

/**
 * The worker of `rtEventsProcessing` or `batchEventsProcessing`: each job carries the ids of
 * events stored together (an intake group, a chunk of a batch), linked set-based and delivered
 * with up to DELIVERY_CONCURRENCY sends at once.
 */
export function startEventProcessingWorker(
  definition: QueueDefinition<z.ZodType<{ eventIds: string[] }>>,
  context: EventProcessingContext,
  options: WorkerOptions,
): Worker {
  const link: LinkStep = (eventIds, attempt) => linkEvents(context, eventIds, () => attempt);
  return createCatalogWorker(definition, (data, job, token) => runEventProcessingJob(context, link, data.eventIds, job, token), options);
}
