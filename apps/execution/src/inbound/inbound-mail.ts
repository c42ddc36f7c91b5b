import type pg from 'pg';
import { UUID_PATTERN, coerceError, uuidv7 } from '@mc/domain';
import type { Logger } from '@mc/observability';
import { deliveryOfBounceAddress, type BounceAddressing } from '../delivery/verp';
import { suppressionAddress } from '../delivery/suppressions';
import type { ExecutionMetrics } from '../metrics/execution-metrics';
import { findDeliveryForFeedback, type FeedbackDelivery } from '../sql/find-delivery-for-feedback';
import { recordDeliveryFeedback, type DeliveryFeedbackRow, type InboundMailRow } from '../sql/record-delivery-feedback';
import { readFeedback, type Feedback } from './feedback-report';

export interface InboundContext {
  pool: pg.Pool;
  logger: Logger;
  bounces: BounceAddressing;
  metrics?: ExecutionMetrics;
}

export interface ReceivedMail {
  envelopeFrom: string | null;
  envelopeTo: string[];
  remoteAddress: string | null;
  raw: Buffer;
}

/** Our Message-IDs are `<deliveryLogId@domain>`: does this one have that form? */
export function isOurMessageId(messageId: string): boolean {
  const local = /^<([^@>]+)@[^>]+>$/.exec(messageId)?.[1];
  return local !== undefined && UUID_PATTERN.test(local);
}

/**
 * Which delivery a report is about. First the address it was sent to (a bounce address only this
 * instance can make), then the bounce address the report quotes as the original sender, then
 * the original Message-ID (checked against the delivery's own: a report quoting it is believed,
 * as the Message-ID only reached the recipient's side).
 */
async function deliveryOf(context: InboundContext, mail: ReceivedMail, feedback: Feedback): Promise<FeedbackDelivery | undefined> {
  const byAddress = [...mail.envelopeTo, feedback.original.envelopeFrom ?? ''].map((address) => deliveryOfBounceAddress(address, context.bounces)).find(Boolean);
  if (byAddress) return findDeliveryForFeedback(context.pool, { id: byAddress });
  const { messageId } = feedback.original;
  return messageId && isOurMessageId(messageId) ? findDeliveryForFeedback(context.pool, { providerMessageId: messageId, channel: 'email' }) : undefined;
}

/** What a bounce or complaint does to its delivery: a hard bounce fails it and suppresses the address, a complaint suppresses it, a delay is only recorded. */
export function feedbackOn(delivery: FeedbackDelivery, feedback: Exclude<Feedback, { kind: 'unknown' }>): DeliveryFeedbackRow & { kind: 'bounce' | 'delay' | 'complaint' } {
  const suppress = (reason: string) => ({ channel: delivery.channel, address: suppressionAddress(delivery.channel, delivery.recipient), reason });
  if (feedback.kind === 'complaint') {
    return { deliveryLogId: delivery.id, kind: 'complaint', status: feedback.feedbackType, detail: `complaint (${feedback.feedbackType})`, suppress: suppress(`complaint: ${feedback.feedbackType}`) };
  }
  const what = [feedback.status, feedback.diagnostic].filter(Boolean).join(' ');
  return {
    deliveryLogId: delivery.id,
    kind: feedback.permanent ? 'bounce' : 'delay',
    status: feedback.status,
    detail: feedback.diagnostic,
    ...(feedback.permanent ? { failWith: `bounced: ${what}`, suppress: suppress(`bounce: ${what}`) } : {}),
  };
}

/**
 * Takes one message received on the bounce domain: keeps it, and when it is a bounce or a
 * complaint about one of our deliveries, records it on that delivery (see `feedbackOn`; the
 * event of a complaint stays `sent`). Throws only when it could not be stored (the listener then
 * answers 4xx and the sender tries again): nothing received is lost.
 */
export async function receiveInboundMail(context: InboundContext, mail: ReceivedMail): Promise<InboundMailRow['outcome']> {
  const record: InboundMailRow = { id: uuidv7(), ...mail, outcome: 'unparsed', detail: null };
  let applied: DeliveryFeedbackRow | undefined;
  let feedback: Feedback | undefined;
  try {
    feedback = readFeedback(mail.raw.toString('utf8'));
  } catch (thrown) {
    record.detail = `unreadable: ${coerceError(thrown).message}`;
  }
  if (feedback && feedback.kind !== 'unknown') {
    const delivery = await deliveryOf(context, mail, feedback);
    if (delivery) {
      const effect = feedbackOn(delivery, feedback);
      applied = effect;
      record.outcome = effect.kind;
    } else {
      record.outcome = 'unmatched';
      record.detail = `a ${feedback.kind} about no delivery of this instance`;
    }
  }
  await recordDeliveryFeedback(context.pool, { mail: record, feedback: applied });
  context.metrics?.inboundMail.inc({ outcome: record.outcome });
  if (record.outcome === 'bounce' || record.outcome === 'delay') context.metrics?.bounces.inc({ kind: record.outcome === 'bounce' ? 'hard' : 'soft' });
  if (record.outcome === 'complaint') context.metrics?.complaints.inc();
  context.logger.info('inbound mail', { outcome: record.outcome, inboundMailId: record.id, deliveryLogId: applied?.deliveryLogId, status: applied?.status });
  return record.outcome;
}
