import { z } from 'zod';
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
 * 2xx → sent (the provider's `id`/`messageId` kept); 408, 429, 5xx, timeouts → transient;
 * other 4xx → permanent.
 */
export function createSmsSender(options: SmsSenderOptions): ChannelSender {
  return {
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
        throw new DeliveryFailure('transient', `SMS provider unreachable: ${coerceError(thrown).message}`, { cause: thrown });
      }
      const body = await response.text();
      if (response.ok) {
        const parsed = providerAnswer.safeParse(safeJson(body));
        return { providerMessageId: parsed.success ? (parsed.data.id ?? parsed.data.messageId ?? null) : null };
      }
      const detail = `SMS provider answered ${response.status}: ${body.slice(0, 200)}`;
      const transient = response.status >= 500 || response.status === 408 || response.status === 429;
      throw new DeliveryFailure(transient ? 'transient' : 'permanent', detail);
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
