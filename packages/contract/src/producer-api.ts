import { z } from 'zod';
import { CHANNELS, DELIVERY_STATUSES, ERROR_STATUS, EVENT_KINDS, EVENT_STATUSES, UUID_PATTERN, text, type ProblemDetails } from '@mc/domain';
import { producerNameSchema } from './events';
import { deliveryFields } from './delivery-fields';

/**
 * What the producers' API answers, as it travels (JSON: dates are ISO strings). The server
 * builds these answers; a client parses them with these schemas (and tests parse real answers
 * with them, so the two cannot drift apart).
 */
const id = z.string().regex(UUID_PATTERN);
const isoDate = z.iso.datetime({ offset: true });

/** `202` (stored) or `200` (a repeated `externalId`) to `POST /api/v1/events`. */
export const eventAcceptedSchema = z.strictObject({ id, status: z.enum(EVENT_STATUSES), kind: z.enum(EVENT_KINDS) });
export type EventAccepted = z.output<typeof eventAcceptedSchema>;

/** `202` to `POST /api/v1/events/batch`: the ids in request order (a repeated `externalId` gives the existing id). */
export const batchAcceptedSchema = z.strictObject({ accepted: z.number().int(), duplicates: z.number().int(), ids: z.array(id) });
export type BatchAccepted = z.output<typeof batchAcceptedSchema>;

export const deliveryViewSchema = z.strictObject({
  id,
  status: z.enum(DELIVERY_STATUSES),
  ...deliveryFields(isoDate),
  /** When a delivery refused for now is tried again (null: not waiting). */
  nextAttemptAt: isoDate.nullable(),
  /** What happened after the send: bounces (`bounce` permanent, `delay`), complaints, SMS receipts, an operator's `retry`. */
  feedback: z.array(
    z.strictObject({
      kind: z.enum(['bounce', 'delay', 'complaint', 'receipt', 'retry']),
      /** A DSN status (`5.1.1`), a feedback type (`abuse`), a receipt's status (`delivered`). */
      status: z.string().nullable(),
      detail: z.string().nullable(),
      receivedAt: isoDate,
    }),
  ),
});

/** An event as `GET /api/v1/events` lists it. */
export const eventSummarySchema = z.strictObject({
  id,
  /** A stable numeric id beside the UUID (Campaign Classic's `plId`); `GET /api/v1/events/:plId` finds the event too. */
  plId: z.number().int().positive(),
  producer: z.string(),
  kind: z.enum(EVENT_KINDS),
  type: z.string(),
  channel: z.enum(CHANNELS),
  email: z.string().nullable(),
  mobilePhone: z.string().nullable(),
  externalId: z.string().nullable(),
  ctx: z.record(z.string(), z.unknown()),
  /** A Campaign Classic (SOAP) event's attributes without a field here (`origin`, `language`, …); null for others. */
  accAttributes: z.record(z.string(), z.string()).nullable(),
  /** A Campaign Classic event's `<ctx>` as received (XML), beside `ctx`; null for others. */
  ctxXml: z.string().nullable(),
  status: z.enum(EVENT_STATUSES),
  statusReason: z.string().nullable(),
  /** The published template it was linked to; null until linked. */
  template: z.strictObject({ name: z.string(), version: z.number().int() }).nullable(),
  attempts: z.number().int(),
  scheduledAt: isoDate.nullable(),
  expiresAt: isoDate.nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
  linkedAt: isoDate.nullable(),
});

/** `GET /api/v1/events/:id`: the event with its delivery logs. */
export const eventViewSchema = eventSummarySchema.extend({ deliveries: z.array(deliveryViewSchema) });
export type EventView = z.output<typeof eventViewSchema>;

/** `GET /api/v1/events`: newest first; pass `nextCursor` back as `cursor` (null on the last page). */
export const eventPageSchema = z.strictObject({ items: z.array(eventSummarySchema), nextCursor: z.string().nullable() });
export type EventPage = z.output<typeof eventPageSchema>;

/** Every error answer: RFC 9457 problem details (`application/problem+json`). */
export const problemSchema = z.strictObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string(),
  code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...Array<keyof typeof ERROR_STATUS>]),
  errors: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
  instance: z.string().optional(),
}) satisfies z.ZodType<ProblemDetails>;

/** The query of `GET /api/v1/events`. */
export const listEventsQuerySchema = z.strictObject({
  /** Only for readers of every producer (`events:read:all`); a producer's key sees its own anyway. */
  producer: producerNameSchema.optional(),
  status: z.enum(EVENT_STATUSES).optional(),
  type: text().min(1).max(64).optional(),
  externalId: text().min(1).max(128).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .transform((cursor) => Buffer.from(cursor, 'base64url').toString('utf8'))
    .refine((id) => UUID_PATTERN.test(id), 'is not a cursor this API gave')
    .optional(),
});
export type ListEventsQuery = z.output<typeof listEventsQuerySchema>;
