import type pg from 'pg';
import { coerceError, isDeliverableAddress, type Logger } from '@mc/domain';
import { mapConcurrently, type MicroBatcher } from '@mc/runtime';
import { DeliveryFailure, type ChannelSenders } from './channel-sender';
import type { ExecutionMetrics } from '../metrics/execution-metrics';
import { claimPendingDeliveries, renewDeliveryLeases, suppressionAddress, type ClaimedDelivery, type DeliveryLease, type DeliveryOutcome } from './deliveries-store';

export interface DeliveryContext {
  pool: pg.Pool;
  senders: ChannelSenders;
  logger: Logger;
  /** Records outcomes as they come, grouped per turn of the event loop (see `recordDeliveryOutcomes`). */
  outcomes: MicroBatcher<DeliveryOutcome, void>;
  /** Tries per delivery before a transient failure becomes `failed`. */
  maxAttempts: number;
  /** This worker's hold on the deliveries it sends (renewed every third of it while sending). */
  lease: DeliveryLease;
  /** Sends in flight per job. */
  concurrency: number;
  metrics?: ExecutionMetrics;
}

export interface DeliverySummary {
  sent: number;
  ignored: number;
  failed: number;
  /** Transient failures left `pending` for a later try. */
  retrying: number;
  /** Pending deliveries another worker holds (its lease has not ended), until when, by whom. */
  heldElsewhere: number;
  heldUntil?: Date | null;
  heldBy?: string[];
}

/**
 * Delivers the pending delivery logs of these events: claims them, answers `ignored` without a
 * send for suppressed or undeliverable addresses, sends the rest over the channel's pooled
 * transport (grouped by template), and records each outcome as soon as the server answered —
 * the only window for a duplicate send is a crash between the server's acceptance and that
 * record. One bad recipient never affects the others. Permanent failures suppress the address.
 */
export async function deliverEvents(
  context: DeliveryContext,
  eventIds: readonly string[],
  alreadyClaimed: readonly ClaimedDelivery[] = [],
  queue?: string,
): Promise<DeliverySummary> {
  const summary: DeliverySummary = { sent: 0, ignored: 0, failed: 0, retrying: 0, heldElsewhere: 0 };
  // Linking just created and claimed the deliveries of most events; only the others (a retry,
  // a duplicate job) are looked for.
  const claimed = [...alreadyClaimed];
  const covered = new Set(alreadyClaimed.map((delivery) => delivery.eventId));
  const others = eventIds.filter((id) => !covered.has(id));
  if (others.length > 0) {
    const more = await claimPendingDeliveries(context.pool, others, context.lease);
    claimed.push(...more.claimed);
    summary.heldElsewhere = more.heldElsewhere;
    summary.heldUntil = more.heldUntil;
    summary.heldBy = more.heldBy;
    for (const { holder, deliveries } of more.takenOver) {
      context.logger.warn('took over deliveries whose worker stopped renewing its lease (it died or stalled)', { queue, previousWorker: holder, deliveries, worker: context.lease.holder });
    }
  }
  if (claimed.length === 0) return summary;

  const byTemplate = [...claimed].sort((a, b) => a.templateName.localeCompare(b.templateName));

  // While sending, the claimed rows' lease is renewed (a third of the lease at a time): a slow
  // server never lets another worker take a row this one is still about to send.
  const inFlight = new Set(claimed.map((delivery) => delivery.deliveryLogId));
  const heartbeat = setInterval(() => {
    renewDeliveryLeases(context.pool, [...inFlight], context.lease).catch((thrown: unknown) =>
      context.logger.warn('could not renew delivery leases', { queue, error: coerceError(thrown).message }),
    );
  }, Math.max(50, Math.floor(context.lease.ms / 3)));
  heartbeat.unref();
  try {
    await mapConcurrently(byTemplate, context.concurrency, async (delivery) => {
      const outcome = await deliverOne(context, delivery, queue);
      inFlight.delete(delivery.deliveryLogId);
      await context.outcomes.submit(outcome);
      context.metrics?.deliveries.inc({ channel: delivery.channel, outcome: outcome.status === 'pending' ? 'retrying' : outcome.status });
      if (outcome.status === 'sent') context.metrics?.receivedToSent.observe({ channel: delivery.channel }, context.metrics.secondsSince(delivery.eventCreatedAt));
      summary[outcome.status === 'pending' ? 'retrying' : outcome.status] += 1;
    });
  } finally {
    clearInterval(heartbeat);
  }
  return summary;
}

async function deliverOne(context: DeliveryContext, delivery: ClaimedDelivery, queue: string | undefined): Promise<DeliveryOutcome> {
  const base = { deliveryLogId: delivery.deliveryLogId, providerMessageId: null, suppressChannel: null, suppressAddress: null };
  if (!isDeliverableAddress(delivery.channel, delivery.recipient)) {
    return { ...base, status: 'ignored', attempted: 0, error: `undeliverable ${delivery.channel} address` };
  }
  if (delivery.suppressedBecause !== null) return { ...base, status: 'ignored', attempted: 0, error: `suppressed: ${delivery.suppressedBecause}` };

  try {
    const receipt = await context.senders[delivery.channel].send(delivery);
    return { ...base, status: 'sent', attempted: 1, error: null, providerMessageId: receipt.providerMessageId };
  } catch (thrown) {
    const failure = thrown instanceof DeliveryFailure ? thrown : new DeliveryFailure('transient', coerceError(thrown).message);
    const attempt = delivery.attempts + 1;
    context.logger.warn('delivery attempt failed', {
      queue,
      eventId: delivery.eventId,
      deliveryLogId: delivery.deliveryLogId,
      channel: delivery.channel,
      kind: failure.kind,
      attempt,
      error: failure.message,
    });
    if (failure.kind === 'transient' && attempt < context.maxAttempts) {
      return { ...base, status: 'pending', attempted: 1, error: failure.message };
    }
    const reason = failure.kind === 'transient' ? `gave up after ${attempt} attempts: ${failure.message}` : failure.message;
    const suppress = failure.kind === 'permanent';
    return {
      ...base,
      status: 'failed',
      attempted: 1,
      error: reason,
      suppressChannel: suppress ? delivery.channel : null,
      suppressAddress: suppress ? suppressionAddress(delivery.channel, delivery.recipient) : null,
    };
  }
}
