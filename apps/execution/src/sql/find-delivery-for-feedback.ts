import type pg from 'pg';
import type { Channel } from '@mc/domain';

export interface FeedbackDelivery {
  id: string;
  channel: Channel;
  recipient: string;
}

/** The delivery a report is about: by its id (from a bounce address) or else by its provider's id (a Message-ID, an SMS id), on a channel. */
export async function findDeliveryForFeedback(pool: pg.Pool, by: { id?: string; providerMessageId?: string; channel?: Channel }): Promise<FeedbackDelivery | undefined> {
  if (!by.id && !by.providerMessageId) return undefined;
  const { rows } = await pool.query<FeedbackDelivery>({
    name: 'mc_find_delivery_for_feedback',
    text: `SELECT id, channel, recipient FROM delivery_logs
           WHERE (id = $1::uuid OR ($1::uuid IS NULL AND provider_message_id = $2::text))
             AND ($3::"Channel" IS NULL OR channel = $3::"Channel")
           LIMIT 1`,
    values: [by.id ?? null, by.providerMessageId ?? null, by.channel ?? null],
  });
  return rows[0];
}
