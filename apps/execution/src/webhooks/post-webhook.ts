import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { signWebhook } from '@message-center/client';
import { coerceError } from '@mc/domain';
import { isPrivateAddress, publicOnlyLookup } from './private-addresses';

/** What an endpoint made of one POST. */
export interface WebhookPostResult {
  succeeded: boolean;
  status: number | null;
  /** The first KiB of the answer. */
  body: string | null;
  /** Why there is no success: no answer, a redirect, a non-2xx, a private address. */
  error: string | null;
  durationMs: number;
}

export interface WebhookPostOptions {
  timeoutMs: number;
  userAgent: string;
  /** WEBHOOK_ALLOW_PRIVATE_ADDRESSES: may a URL reach loopback, private or link-local addresses? */
  allowPrivateAddresses: boolean;
}

const BODY_KEPT_BYTES = 1024;

/**
 * POSTs one message as Standard Webhooks says: `webhook-id` (`msg_<id>`, the same on every
 * retry), `webhook-timestamp` (this try, in seconds), `webhook-signature` (one `v1,…` per
 * secret). A 2xx is a success; redirects are not followed (a failure, as in Svix); no answer
 * within `timeoutMs` is a failure. Only the first KiB of the answer is read. Unless private
 * addresses are allowed, the address is checked when the connection is made (after DNS, so a
 * name rebound to 127.0.0.1 or to the cloud metadata address is refused too).
 */
export async function postWebhook(message: { id: string; url: string; payload: string; secrets: string[] }, options: WebhookPostOptions): Promise<WebhookPostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const webhookId = `msg_${message.id}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const url = new URL(message.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowPrivateAddresses && net.isIP(host) !== 0 && isPrivateAddress(host)) {
    return { succeeded: false, status: null, body: null, error: `refused: ${host} is a private address (WEBHOOK_ALLOW_PRIVATE_ADDRESSES)`, durationMs: elapsed() };
  }
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(message.payload)),
    'user-agent': options.userAgent,
    'webhook-id': webhookId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(message.secrets, webhookId, timestamp, message.payload),
  };
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let done = false;
    const finish = (result: Omit<WebhookPostResult, 'durationMs'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      request.destroy();
      resolve({ ...result, error: result.error?.replace(/\0/g, '') ?? null, durationMs: elapsed() });
    };
    const request = transport.request(url, { method: 'POST', headers, ...(options.allowPrivateAddresses ? {} : { lookup: publicOnlyLookup }) }, (response) => {
      const status = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const answer = () => {
        // PostgreSQL's TEXT cannot hold U+0000: an answer with one must still be recorded.
        const body = size === 0 ? null : Buffer.concat(chunks).subarray(0, BODY_KEPT_BYTES).toString('utf8').replace(/\0/g, '');
        const succeeded = status >= 200 && status < 300;
        const error = succeeded ? null : status >= 300 && status < 400 ? `redirected (HTTP ${status}); redirects are not followed` : `HTTP ${status}`;
        finish({ succeeded, status, body, error });
      };
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= BODY_KEPT_BYTES) answer();
      });
      response.on('end', answer);
      response.on('error', answer);
    });
    const timer = setTimeout(() => finish({ succeeded: false, status: null, body: null, error: `unreachable: no answer within ${options.timeoutMs} ms` }), options.timeoutMs);
    request.on('error', (error) => {
      const refused = error.name === 'PrivateAddressError' ? `refused: ${error.message} (WEBHOOK_ALLOW_PRIVATE_ADDRESSES)` : `unreachable: ${coerceError(error).message}`;
      finish({ succeeded: false, status: null, body: null, error: refused });
    });
    request.end(message.payload);
  });
}
