import type pg from 'pg';
import { z } from 'zod';
import { AppError, text } from '@mc/domain';
import type { ExecutionMetrics } from '../metrics/execution-metrics';
import { findDeliveryForFeedback } from '../sql/find-delivery-for-feedback';
import { recordDeliveryFeedback } from '../sql/record-delivery-feedback';
import { feedbackOn, isOurMessageId } from './inbound-mail';

/**
 * A bounce or complaint an email provider reports over HTTP (`POST /api/v1/providers/email/feedback`)
 * rather than by mail to the bounce domain — what relays such as SES, SendGrid or Postmark offer
 * as webhooks, in one neutral shape (a small adapter maps a provider's own payload onto it).
 */
export const emailFeedbackSchema = z.strictObject({
  /** The message's Message-ID, as we sent it (`<deliveryLogId@domain>`; the brackets may be left out). */
  messageId: text().min(3).max(998),
  kind: z.enum(['bounce', 'complaint']),
  /** A bounce: permanent (hard, the default) or not (soft: a delay). */
  permanent: z.boolean().default(true),
  /** A bounce's DSN status (`5.1.1`). */
  status: z.string().regex(/^[245]\.\d{1,3}\.\d{1,3}$/, 'must be a DSN status, e.g. 5.1.1').optional(),
  /** The provider's diagnostic. */
  detail: text().max(1_000).optional(),
  /** A complaint's feedback type (ARF: `abuse`, `fraud`, …). */
  feedbackType: z.string().regex(/^[a-z-]{1,32}$/, 'must be an ARF feedback type, e.g. abuse').default('abuse'),
});
export type EmailFeedback = z.output<typeof emailFeedbackSchema>;

/**
 * Applies it exactly as a DSN or an ARF report received by mail: a hard bounce fails a sent
 * delivery (its event goes `sent → delivery_failed`) and suppresses the address; a soft bounce is
 * recorded; a complaint suppresses the address (the event stays `sent`). A Message-ID that is not
 * one of ours, or of no delivery here, is a 404.
 */
export async function recordEmailFeedback(pool: pg.Pool, input: EmailFeedback, metrics?: ExecutionMetrics): Promise<{ deliveryLogId: string; outcome: 'bounce' | 'delay' | 'complaint' }> {
  const messageId = input.messageId.startsWith('<') ? input.messageId : `<${input.messageId}>`;
  const delivery = isOurMessageId(messageId) ? await findDeliveryForFeedback(pool, { providerMessageId: messageId, channel: 'email' }) : undefined;
  if (!delivery) throw new AppError('not_found', `No email delivery with Message-ID ${messageId}.`);
  const original = { messageId, envelopeFrom: null };
  const effect = feedbackOn(
    delivery,
    input.kind === 'complaint'
      ? { kind: 'complaint', feedbackType: input.feedbackType, recipient: delivery.recipient, original }
      : { kind: 'bounce', permanent: input.permanent, status: input.status ?? null, diagnostic: input.detail ?? null, recipient: delivery.recipient, original },
  );
  await recordDeliveryFeedback(pool, { feedback: effect });
  if (effect.kind === 'complaint') metrics?.complaints.inc();
  else metrics?.bounces.inc({ kind: effect.kind === 'bounce' ? 'hard' : 'soft' });
  return { deliveryLogId: delivery.id, outcome: effect.kind };
}
