import { z } from 'zod';
import { CHANNELS, EVENT_STATUSES, UUID_PATTERN, text } from '@mc/domain';

/*
 * Status webhooks (Standard Webhooks): what a producer registers, what it is sent, and what the
 * API shows of each delivery attempt.
 */

/** Sent when an event reaches a final status (`event.<status>`), or gets a complaint after `sent`. */
export const WEBHOOK_EVENT_TYPES = ['event.sent', 'event.delivery_failed', 'event.ignored', 'event.not_taken_into_account', 'event.expired', 'event.complained'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
/** What `POST /api/v1/webhooks/:id/test` sends (to every endpoint, whatever its `events`). */
export const WEBHOOK_TEST_TYPE = 'webhook.test';

const id = z.string().regex(UUID_PATTERN);
const isoDate = z.iso.datetime({ offset: true });

const webhookUrl = text()
  .max(2_048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password;
    } catch {
      return false;
    }
  }, 'must be an http(s) URL without credentials');
const eventTypes = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1)
  .refine((types) => new Set(types).size === types.length, 'must not repeat a type')
  .describe('The message types it wants; absent: every type');

/** `POST /api/v1/webhooks`. */
export const webhookEndpointInputSchema = z.strictObject({ url: webhookUrl, events: eventTypes.optional() });
/** `PATCH /api/v1/webhooks/:id`: `enabled: true` re-enables an endpoint disabled after its failures. */
export const webhookEndpointUpdateSchema = z
  .strictObject({ url: webhookUrl.optional(), events: eventTypes.nullable().optional(), enabled: z.boolean().optional() })
  .refine((update) => Object.keys(update).length > 0, 'must change url, events or enabled');

export const webhookEndpointViewSchema = z.strictObject({
  id,
  url: z.string(),
  /** Empty: every type. */
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  enabled: z.boolean(),
  /** Since when every attempt has failed (null: the last one succeeded). */
  failingSince: isoDate.nullable(),
  disabledAt: isoDate.nullable(),
  disabledReason: z.string().nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
/** `201` to `POST /api/v1/webhooks`: the secret is shown here and on rotation only. */
export const webhookEndpointCreatedSchema = webhookEndpointViewSchema.extend({ secret: z.string().regex(/^whsec_/) });

/** The body of every webhook message. `webhook-id` is `msg_<messageId>`; retries keep it, and the body. */
export const webhookMessageSchema = z.strictObject({
  type: z.union([z.enum(WEBHOOK_EVENT_TYPES), z.literal(WEBHOOK_TEST_TYPE)]),
  timestamp: isoDate,
  data: z.strictObject({
    /** The event (null for `webhook.test`). */
    id: id.nullable(),
    externalId: z.string().nullable(),
    eventType: z.string().nullable(),
    channel: z.enum(CHANNELS).nullable(),
    status: z.enum(EVENT_STATUSES).nullable(),
    reason: z.string().nullable(),
    template: z.strictObject({ name: z.string(), version: z.number().int() }).nullable(),
    updatedAt: isoDate.nullable(),
    /** `event.complained`: the feedback type (`abuse`) and the reporter's words. */
    complaint: z.strictObject({ type: z.string().nullable(), detail: z.string().nullable(), receivedAt: isoDate }).nullable(),
  }),
});
export type WebhookMessage = z.output<typeof webhookMessageSchema>;

/** One POST of a message to its endpoint, newest first in `GET /api/v1/webhooks/:id/attempts`. */
export const webhookAttemptViewSchema = z.strictObject({
  messageId: z.string().regex(/^msg_/),
  type: z.string(),
  eventId: id.nullable(),
  attempt: z.number().int(),
  attemptedAt: isoDate,
  durationMs: z.number().int(),
  /** The endpoint's HTTP status (null: no answer — see `error`). */
  responseStatus: z.number().int().nullable(),
  /** The first KiB of its answer. */
  responseBody: z.string().nullable(),
  error: z.string().nullable(),
  succeeded: z.boolean(),
  /** The message now: `pending` (another try is scheduled), `delivered` or `failed` (given up). */
  messageState: z.enum(['pending', 'delivered', 'failed']),
  nextAttemptAt: isoDate.nullable(),
});
export const webhookAttemptsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  eventId: id.optional(),
});
