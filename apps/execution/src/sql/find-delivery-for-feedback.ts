import type pg from 'pg';
import type { Channel } from '@mc/domain';

export interface FeedbackDelivery {
  id: string;
  channel: Channel;
  recipient: string;
}

/** The delivery a report is about: by its id (from a bounce address) or else by its Message-ID. */
export async function findDeliveryForFeedback(pool: pg.Pool, by: { id?: string; messageId?: string }): Promise<FeedbackDelivery | undefined> {
  if (!by.id && !by.messageId) return undefined;
  const { rows } = await pool.query<FeedbackDelivery>({
    name: 'mc_find_delivery_for_feedback',
    text: `SELECT id, channel, recipient FROM delivery_logs
           WHERE id = $1::uuid OR ($1::uuid IS NULL AND provider_message_id = $2::text)
           LIMIT 1`,
    values: [by.id ?? null, by.messageId ?? null],
  });
  return rows[0];
}
