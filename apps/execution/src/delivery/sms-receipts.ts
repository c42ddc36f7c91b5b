import type pg from 'pg';
import { z } from 'zod';
import { AppError, text } from '@mc/domain';
import { findDeliveryForFeedback } from '../sql/find-delivery-for-feedback';
import { recordDeliveryFeedback } from '../sql/record-delivery-feedback';

/** An SMS provider's delivery receipt: `POST /api/v1/providers/sms/receipts`. */
export const smsReceiptSchema = z.strictObject({
  /** The id the provider answered the send with (the delivery log's `providerMessageId`). */
  providerMessageId: text().min(1).max(200),
  status: z.enum(['delivered', 'failed']),
  error: text().max(1_000).optional(),
});
export type SmsReceipt = z.output<typeof smsReceiptSchema>;

/**
 * Records a receipt on its delivery: `delivered` is only recorded; `failed` fails a sent delivery
 * (its event goes `sent → delivery_failed` with the reason, through the status copy). The
 * address is not suppressed: a handset off for days is not a wrong number. A receipt for no SMS
 * of this instance is a 404 (providers retry other answers).
 */
export async function recordSmsReceipt(pool: pg.Pool, receipt: SmsReceipt): Promise<{ deliveryLogId: string }> {
  const delivery = await findDeliveryForFeedback(pool, { providerMessageId: receipt.providerMessageId, channel: 'sms' });
  if (!delivery) throw new AppError('not_found', `No SMS delivery with providerMessageId ${receipt.providerMessageId}.`);
  const detail = receipt.error ?? null;
  await recordDeliveryFeedback(pool, {
    feedback: {
      deliveryLogId: delivery.id,
      kind: 'receipt',
      status: receipt.status,
      detail,
      ...(receipt.status === 'failed' ? { failWith: `provider receipt: failed${detail ? `: ${detail}` : ''}` } : {}),
    },
  });
  return { deliveryLogId: delivery.id };
}
