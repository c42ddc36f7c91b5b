import type pg from 'pg';
import { coerceError, type Channel } from '@mc/domain';
import { isDeliverableAddress } from '@mc/contract';
import { type FaultLog, type Logger } from '@mc/observability';
import type { TransportCircuit } from './transport-circuit';
import { nextAttempt, type RetryPolicy } from './retry-schedule';
import { mapConcurrently, type MicroBatcher } from '@mc/batching';
import { DeliveryFailure, type ChannelSenders } from './channel-sender';
import type { ExecutionMetrics } from '../metrics/execution-metrics';
import { claimPendingDeliveries } from '../sql/claim-pending-deliveries';
import { renewDeliveryLeases } from '../sql/renew-delivery-leases';
import { suppressionAddress } from './suppressions';
import { type ClaimedDelivery, type DeliveryLease } from '../sql/rows';
import { type DeliveryOutcome } from '../sql/record-delivery-outcomes';

export interface DeliveryContext {
  pool: pg.Pool;
  senders: ChannelSenders;
  logger: Logger;
  /** Records outcomes as they come, grouped per turn of the event loop (see `recordDeliveryOutcomes`). */
  outcomes: MicroBatcher<DeliveryOutcome, void>;
  /** When a delivery refused for now is tried again, and when it gives up. */
  retry: RetryPolicy;
  /** One circuit per channel's transport, shared by every job of this process. */
  circuits: Record<Channel, TransportCircuit>;
  /** Per-message failures, counted per kind: one line per kind per interval, not one per message. */
  faults: FaultLog;
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
  /** Deliveries left `pending` for a later try (refused for now, or their transport unreachable). */
  retrying: number;
  /** The earliest of those later tries (what the job waits for). */
  nextAttemptAt?: Date | null;
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
    if (more.notDueUntil) summary.nextAttemptAt = more.notDueUntil;
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
      if (outcome.nextAttemptAt && (!summary.nextAttemptAt || outcome.nextAttemptAt < summary.nextAttemptAt)) summary.nextAttemptAt = outcome.nextAttemptAt;
    });
  } finally {
    clearInterval(heartbeat);
  }
  return summary;
}

/**
 * One delivery: ignored without a send (undeliverable, suppressed), paused while its transport's
 * circuit is open (its attempts kept), sent, or failed:
 * - the transport unreachable → the circuit opens; the delivery waits for the next probe, attempts kept;
 * - refused for now (4xx, 5xx from an HTTP provider) → tried again on the retry schedule (or the
 *   provider's `Retry-After`), until the schedule gives up or the event expires;
 * - refused for good → failed (and the address suppressed when it is the address's fault).
 */
async function deliverOne(context: DeliveryContext, delivery: ClaimedDelivery, queue: string | undefined): Promise<DeliveryOutcome> {
  const base = { deliveryLogId: delivery.deliveryLogId, providerMessageId: null, suppressChannel: null, suppressAddress: null, nextAttemptAt: null };
  if (!isDeliverableAddress(delivery.channel, delivery.recipient)) {
    return { ...base, status: 'ignored', attempted: 0, error: `undeliverable ${delivery.channel} address` };
  }
  if (delivery.suppressedBecause !== null) return { ...base, status: 'ignored', attempted: 0, error: `suppressed: ${delivery.suppressedBecause}` };

  const sender = context.senders[delivery.channel];
  const circuit = context.circuits[delivery.channel];
  const gate = circuit.gate();
  if (gate.open) return { ...base, status: 'pending', attempted: 0, error: `${sender.label} unreachable; waiting for it`, nextAttemptAt: gate.until };
  try {
    const receipt = await sender.send(delivery);
    circuit.reachable();
    return { ...base, status: 'sent', attempted: 1, error: null, providerMessageId: receipt.providerMessageId };
  } catch (thrown) {
    const failure = thrown instanceof DeliveryFailure ? thrown : new DeliveryFailure('transient', coerceError(thrown).message);
    if (failure.kind === 'unavailable') {
      return { ...base, status: 'pending', attempted: 0, error: failure.message, nextAttemptAt: circuit.unreachable(failure.message) };
    }
    circuit.reachable();
    const attempts = delivery.attempts + 1;
    const meta = { queue, eventId: delivery.eventId, deliveryLogId: delivery.deliveryLogId, channel: delivery.channel, kind: failure.kind, attempt: attempts, error: failure.message };
    context.faults.report(`${delivery.channel}:${failure.kind}:${faultClass(failure.message)}`, 'delivery attempt failed', meta);
    if (failure.kind === 'transient') {
      const next = nextAttempt(context.retry, { attempts, triesSince: delivery.triesSince, eventExpiresAt: delivery.eventExpiresAt });
      if ('at' in next) {
        const at = failure.retryAfterMs === undefined ? next.at : new Date(Math.max(next.at.getTime(), Date.now() + failure.retryAfterMs));
        return { ...base, status: 'pending', attempted: 1, error: failure.message, nextAttemptAt: at };
      }
      return { ...base, status: 'failed', attempted: 1, error: `gave up after ${attempts} attempts (${next.giveUp}): ${failure.message}` };
    }
    const suppress = failure.kind === 'permanent';
    return {
      ...base,
      status: 'failed',
      attempted: 1,
      error: failure.message,
      suppressChannel: suppress ? delivery.channel : null,
      suppressAddress: suppress ? suppressionAddress(delivery.channel, delivery.recipient) : null,
    };
  }
}

/** What makes two failures "the same kind" for the log: the reply code, or the message without its numbers and addresses. */
function faultClass(message: string): string {
  return /\b[2-5]\d\d\b/.exec(message)?.[0] ?? message.replace(/\S+@\S+|\d+/g, '#').slice(0, 60);
}
