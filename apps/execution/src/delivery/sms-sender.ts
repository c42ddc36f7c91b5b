import { z } from 'zod';
import { retryAfterMs } from '@message-center/client';
import { coerceError } from '@mc/domain';
import { DeliveryFailure, type ChannelSender, type OutgoingMessage } from './channel-sender';

export interface SmsSenderOptions {
  /** The provider's endpoint; unset: every SMS fails with a clear error. */
  providerUrl: string | undefined;
  /** Sent as `Authorization: Bearer …` when set. */
  providerToken?: string;
  /** Sender id or number, passed as `from`. */
  from?: string;
  /** A provider that has not answered after this long (ms) is a transient failure; default 10,000. */
  timeoutMs?: number;
}

const providerAnswer = z.object({ id: z.string().optional(), messageId: z.string().optional() }).loose();

/**
 * SMS through an HTTP provider: `POST providerUrl` with `{to, text, from, idempotencyKey}` where
 * the idempotency key is the delivery-log id, so a retried send can be recognised by the provider.
 * 2xx → sent (the provider's `id`/`messageId` kept); 408, 429 (with its `Retry-After`), 5xx →
 * transient; no answer (refused, reset, timeout) → unavailable; other 4xx → permanent.
 */
export function createSmsSender(options: SmsSenderOptions): ChannelSender {
  return {
    label: options.providerUrl ? `SMS provider ${new URL(options.providerUrl).host}` : 'SMS provider (none configured)',
    async send(message: OutgoingMessage) {
      if (!options.providerUrl) {
        throw new DeliveryFailure('misconfigured', 'SMS_PROVIDER_URL is not set: this instance cannot send SMS.');
      }
      let response: Response;
      try {
        response = await fetch(options.providerUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': message.deliveryLogId,
            ...(options.providerToken ? { authorization: `Bearer ${options.providerToken}` } : {}),
          },
          body: JSON.stringify({ to: message.recipient, text: message.text, from: options.from, idempotencyKey: message.deliveryLogId }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (thrown) {
        const name = (thrown as { name?: unknown } | null)?.name;
        const reason = name === 'TimeoutError' ? `no answer within ${options.timeoutMs ?? 10_000} ms` : coerceError(thrown).message;
        throw new DeliveryFailure('unavailable', `SMS provider unreachable: ${reason}`, { cause: thrown });
      }
      const body = await response.text();
      if (response.ok) {
        const parsed = providerAnswer.safeParse(safeJson(body));
        return { providerMessageId: parsed.success ? (parsed.data.id ?? parsed.data.messageId ?? null) : null };
      }
      const detail = `SMS provider answered ${response.status}: ${body.slice(0, 200)}`;
      const transient = response.status >= 500 || response.status === 408 || response.status === 429;
      throw new DeliveryFailure(transient ? 'transient' : 'permanent', detail, { retryAfterMs: retryAfterMs(response.headers.get('retry-after')) });
    },
    close: () => Promise.resolve(),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
