import type pg from 'pg';
import type { QueuedWebhookMessage } from './claim-webhook-message';

/**
 * Pending messages whose try is more than `overdueMs` late: their job was lost (Redis restarted
 * empty) or their sender died while it held them. Queued again by the fan-out.
 */
export async function findOverdueWebhookMessages(pool: pg.Pool, overdueMs: number, limit: number): Promise<QueuedWebhookMessage[]> {
  const { rows } = await pool.query<QueuedWebhookMessage>({
    name: 'mc_find_overdue_webhook_messages',
    text: `SELECT id, attempts, next_attempt_at AS "nextAttemptAt" FROM webhook_messages
           WHERE state = 'pending' AND next_attempt_at < now() - make_interval(secs => $1::double precision / 1000)
           ORDER BY next_attempt_at LIMIT $2`,
    values: [overdueMs, limit],
  });
  return rows;
}
