import type pg from 'pg';

/** Gives a claimed message up without a try (its endpoint was disabled meanwhile). */
export async function failWebhookMessage(pool: pg.Pool, id: string): Promise<void> {
  await pool.query({
    name: 'mc_fail_webhook_message',
    text: `UPDATE webhook_messages SET state = 'failed', finished_at = now() WHERE id = $1 AND state = 'pending'`,
    values: [id],
  });
}
