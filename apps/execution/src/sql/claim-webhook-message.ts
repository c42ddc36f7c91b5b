import type pg from 'pg';

/** A message as queued: its `webhookDelivery` job is named by the three. */
export interface QueuedWebhookMessage {
  id: string;
  attempts: number;
  nextAttemptAt: Date;
}

export interface ClaimedWebhookMessage {
  id: string;
  type: string;
  payload: string;
  attempts: number;
  createdAt: Date;
  endpointId: string;
  url: string;
  enabled: boolean;
  /** The current secret, then the previous one while it is still honoured. */
  secrets: string[];
}

/**
 * Takes a message for its next try: pending, still at the attempt its job was queued for, and
 * due (a few seconds of clock difference allowed). Its `next_attempt_at` becomes the end of the
 * lease, so a duplicate job finds it not due and does nothing, and a sender that dies leaves it
 * overdue for the fan-out to queue again. Undefined: nothing to do.
 */
export async function claimWebhookMessage(pool: pg.Pool, id: string, attempt: number, leaseMs: number): Promise<ClaimedWebhookMessage | undefined> {
  const { rows } = await pool.query<ClaimedWebhookMessage>({
    name: 'mc_claim_webhook_message',
    text: `UPDATE webhook_messages m SET next_attempt_at = now() + make_interval(secs => $3::double precision / 1000)
           FROM webhook_endpoints w
           WHERE m.id = $1 AND m.attempts = $2 AND m.state = 'pending' AND m.next_attempt_at <= now() + interval '5 seconds' AND w.id = m.endpoint_id
           RETURNING m.id, m.type, m.payload, m.attempts, m.created_at AS "createdAt", w.id AS "endpointId", w.url, w.enabled,
                     array_remove(ARRAY[w.secret, CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_secret END], NULL) AS secrets`,
    values: [id, attempt, leaseMs],
  });
  return rows[0];
}
