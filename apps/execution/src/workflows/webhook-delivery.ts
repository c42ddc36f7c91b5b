import type pg from 'pg';
import type { Worker } from 'bullmq';
import type { Counter } from 'prom-client';
import type { Logger } from '@mc/observability';
import { createCatalogWorker, type WorkerOptions } from '@mc/queues';
import { nextAttempt, type RetryPolicy } from '../delivery/retry-schedule';
import { claimWebhookMessage, type QueuedWebhookMessage } from '../sql/claim-webhook-message';
import { recordWebhookAttempt } from '../sql/record-webhook-attempt';
import { failWebhookMessage } from '../sql/fail-webhook-message';
import { postWebhook } from '../webhooks/post-webhook';
import { QUEUES, type ExecutionQueue } from '../queues';

export interface WebhookDeliveryContext {
  pool: pg.Pool;
  logger: Logger;
  queue: ExecutionQueue<'webhookDelivery'>;
  /** When a refused message is tried again, and when it is given up (from its creation). */
  retry: RetryPolicy;
  /** An endpoint whose every attempt failed for this long (ms) is disabled. */
  disableAfterMs: number;
  /** An endpoint that has not answered after this long (ms) failed this try. */
  timeoutMs: number;
  /** WEBHOOK_ALLOW_PRIVATE_ADDRESSES. */
  allowPrivateAddresses: boolean;
  /** `mc_webhook_attempts_total{outcome}`. */
  attempts?: Counter<'outcome'>;
}

const USER_AGENT = 'MessageCenter-Webhooks/0.1 (+https://www.standardwebhooks.com)';

/** Queues one `webhookDelivery` job per message try, named by message, attempt and due time (a re-queue of the same try is one job). */
export async function queueWebhookMessages(queue: ExecutionQueue<'webhookDelivery'>, messages: readonly QueuedWebhookMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const now = Date.now();
  await queue.addBulk(
    messages.map((message) => {
      const due = new Date(message.nextAttemptAt).getTime();
      return {
        name: 'webhookDelivery',
        data: { messageId: message.id, attempt: message.attempts },
        opts: { jobId: `${message.id}-${message.attempts}-${due}`, delay: Math.max(0, due - now) },
      };
    }),
  );
}

/**
 * One try of one message: claimed (nothing to do if it is not pending at this attempt, or not
 * due), POSTed signed, recorded; a failure within the retry window is queued again at its next
 * time. A message of a disabled endpoint fails without a try.
 */
export async function deliverWebhookMessage(context: WebhookDeliveryContext, job: { messageId: string; attempt: number }): Promise<string> {
  const leaseMs = context.timeoutMs + 30_000;
  const message = await claimWebhookMessage(context.pool, job.messageId, job.attempt, leaseMs);
  if (!message) return 'nothing to do';
  if (!message.enabled) {
    await failWebhookMessage(context.pool, message.id);
    return 'endpoint disabled';
  }
  const result = await postWebhook(message, { timeoutMs: context.timeoutMs, userAgent: USER_AGENT, allowPrivateAddresses: context.allowPrivateAddresses });
  const next = result.succeeded ? undefined : nextAttempt(context.retry, { attempts: message.attempts + 1, triesSince: message.createdAt, eventExpiresAt: null });
  const recorded = await recordWebhookAttempt(context.pool, {
    messageId: message.id,
    endpointId: message.endpointId,
    attemptsBefore: message.attempts,
    durationMs: result.durationMs,
    responseStatus: result.status,
    responseBody: result.body,
    error: result.error,
    succeeded: result.succeeded,
    retryAt: next && 'at' in next ? next.at : null,
    disableAfterMs: context.disableAfterMs,
  });
  context.attempts?.inc({ outcome: result.succeeded ? 'delivered' : 'failed' });
  if (recorded.disabled) context.logger.warn('webhook endpoint disabled: every attempt failed too long', { endpointId: message.endpointId, url: message.url, error: result.error });
  if (recorded.retry) await queueWebhookMessages(context.queue, [recorded.retry]);
  if (result.succeeded) return `delivered (HTTP ${result.status})`;
  if (next && 'giveUp' in next) context.logger.info('webhook message given up', { messageId: message.id, endpointId: message.endpointId, reason: next.giveUp, error: result.error });
  return `failed: ${result.error}`;
}

/** `webhookDelivery`: its own workers, so that endpoints (slow, down) never slow the message pipeline. */
export function startWebhookDelivery(context: WebhookDeliveryContext, options: WorkerOptions): Worker {
  return createCatalogWorker(QUEUES.webhookDelivery, (data) => deliverWebhookMessage(context, data), options);
}
