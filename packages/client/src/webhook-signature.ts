import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/*
 * Standard Webhooks (https://www.standardwebhooks.com) signatures, both sides: Message Center
 * signs with these functions and producers verify with `verifyWebhook` (or any Standard Webhooks
 * library). A message is signed over `${webhook-id}.${webhook-timestamp}.${body}` with HMAC-SHA256,
 * keyed by the base64 of the secret after its `whsec_` prefix; `webhook-signature` lists one
 * `v1,<base64>` per valid secret (two while a rotated secret is still honoured).
 */

const SECRET_PREFIX = 'whsec_';
/** How far a message's timestamp may be from now (seconds) before it is refused as a replay. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/** A new endpoint secret: `whsec_` and the base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

function signature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/** The `webhook-signature` header of a message: one `v1,…` per secret. */
export function signWebhook(secrets: readonly string[], id: string, timestamp: number, body: string): string {
  return secrets.map((secret) => `v1,${signature(secret, id, timestamp, body)}`).join(' ');
}

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const bag = headers as Record<string, string | string[] | undefined>;
  const value = bag[name] ?? Object.entries(bag).find(([key]) => key.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks a received webhook: its `webhook-id`, `webhook-timestamp` (within 5 minutes) and one
 * `v1` signature made with `secret` over the raw body (the bytes as received, not re-serialized
 * JSON). Returns the parsed body; throws `WebhookVerificationError` otherwise.
 */
export function verifyWebhook<T = unknown>(payload: string | Uint8Array, headers: HeaderBag, secret: string, now = Date.now()): T {
  const id = header(headers, 'webhook-id');
  const timestampHeader = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestampHeader || !signatures) throw new WebhookVerificationError('Missing webhook-id, webhook-timestamp or webhook-signature header.');
  const timestamp = Number(timestampHeader);
  if (!/^\d+$/.test(timestampHeader) || Math.abs(now / 1000 - timestamp) > WEBHOOK_TOLERANCE_SECONDS) {
    throw new WebhookVerificationError('The webhook-timestamp is missing, malformed or too far from now.');
  }
  const body = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
  const expected = Buffer.from(signature(secret, id, timestamp, body), 'base64');
  const matches = signatures.split(' ').some((candidate) => {
    const [version, value] = candidate.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new WebhookVerificationError('No webhook-signature matches this secret.');
  return JSON.parse(body) as T;
}
