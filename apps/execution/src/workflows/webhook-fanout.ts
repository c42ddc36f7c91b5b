import type pg from 'pg';
import type { Logger } from '@mc/observability';
import { MINUTE } from '@mc/domain';
import { fanOutWebhookPage } from '../sql/fan-out-webhook-messages';
import { findOverdueWebhookMessages } from '../sql/find-overdue-webhook-messages';
import type { ExecutionQueue } from '../queues';
import { queueWebhookMessages } from './webhook-delivery';

export const WEBHOOK_FANOUT_SCHEDULER_ID = 'webhook-fanout';

export interface WebhookFanoutContext {
  pool: pg.Pool;
  logger: Logger;
  queue: ExecutionQueue<'webhookDelivery'>;
  /** Events read from the change feed per statement. */
  pageSize: number;
  /** A pending message this late (ms) lost its job and is queued again. */
  overdueMs?: number;
  /** A run stops after this long (ms) even if not caught up; the next run goes on. */
  maxRunMs?: number;
}

/**
 * The `webhookFanout` job: reads the events changed since its cursor, page by page (each page
 * and its cursor move one transaction), creates the messages their producers' endpoints want,
 * and queues them; then queues again the pending messages whose job was lost. Nothing is read
 * while no endpoint is enabled anywhere.
 */
export async function fanOutWebhooks(context: WebhookFanoutContext): Promise<{ read: number; messages: number; requeued: number }> {
  const started = Date.now();
  let read = 0;
  let messages = 0;
  for (;;) {
    const page = await fanOutWebhookPage(context.pool, context.pageSize);
    if (!page) break;
    read += page.read;
    messages += page.messages.length;
    await queueWebhookMessages(context.queue, page.messages);
    if (page.read < context.pageSize || Date.now() - started > (context.maxRunMs ?? MINUTE)) break;
  }
  const overdue = await findOverdueWebhookMessages(context.pool, context.overdueMs ?? MINUTE, 1_000);
  await queueWebhookMessages(context.queue, overdue);
  if (overdue.length > 0) context.logger.info('webhook messages queued again (their job was lost)', { messages: overdue.length });
  return { read, messages, requeued: overdue.length };
}
