import { signWebhook } from '@message-center/client';
import { coerceError } from '@mc/domain';

/** What an endpoint made of one POST. */
export interface WebhookPostResult {
  succeeded: boolean;
  status: number | null;
  /** The first KiB of the answer. */
  body: string | null;
  /** Why there is no success: no answer, a redirect, a non-2xx. */
  error: string | null;
  durationMs: number;
}

const BODY_KEPT_BYTES = 1024;

/**
 * POSTs one message as Standard Webhooks says: `webhook-id` (`msg_<id>`, the same on every
 * retry), `webhook-timestamp` (this try, in seconds), `webhook-signature` (one `v1,…` per
 * secret). A 2xx is a success; redirects are not followed (a failure, as in Svix); no answer
 * within `timeoutMs` is a failure. Only the first KiB of the answer is read.
 */
export async function postWebhook(
  message: { id: string; url: string; payload: string; secrets: string[] },
  options: { timeoutMs: number; userAgent: string },
): Promise<WebhookPostResult> {
  const started = performance.now();
  const webhookId = `msg_${message.id}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(message.url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/json',
        'user-agent': options.userAgent,
        'webhook-id': webhookId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(message.secrets, webhookId, timestamp, message.payload),
      },
      body: message.payload,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const body = await firstBytes(response, BODY_KEPT_BYTES);
    const succeeded = response.status >= 200 && response.status < 300;
    const error = succeeded ? null : response.status >= 300 && response.status < 400 ? `redirected (HTTP ${response.status}); redirects are not followed` : `HTTP ${response.status}`;
    return { succeeded, status: response.status, body, error, durationMs: elapsed() };
  } catch (thrown) {
    const name = (thrown as { name?: unknown } | null)?.name;
    const cause = (thrown as { cause?: unknown } | null)?.cause;
    const reason = name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : coerceError(cause ?? thrown).message;
    return { succeeded: false, status: null, body: null, error: `unreachable: ${reason}`.replace(/\0/g, ''), durationMs: elapsed() };
  }
}

async function firstBytes(response: Response, max: number): Promise<string | null> {
  if (!response.body) return null;
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Leaving the loop early cancels the rest of the answer.
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= max) break;
  }
  // PostgreSQL's TEXT cannot hold U+0000: an answer with one must still be recorded.
  return size === 0 ? null : Buffer.concat(chunks).subarray(0, max).toString('utf8').replace(/\0/g, '');
}
