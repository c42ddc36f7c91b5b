import { z } from 'zod';
import { CHANNELS, dateTime, jsonStorageProblem, text, type Channel } from '@mc/domain';

/** Limits of the public contract (DESIGN.md §5). */
export const EVENT_LIMITS = {
  /** `ctx` serialized as JSON, in bytes. */
  maxCtxBytes: 64 * 1024,
  /** Events in one `POST /api/v1/events/batch`. */
  maxBatchEvents: 10_000,
  maxTypeLength: 64,
  maxExternalIdLength: 128,
} as const;

const TYPE_PATTERN = /^[A-Za-z0-9_.:-]+$/;
/** E.164: a plus, a non-zero digit, at most 15 digits in all. */
export const E164_PATTERN = /^\+[1-9]\d{1,14}$/;
const emailAddress = z.email().max(320);

/** Can this address be sent to at all on this channel (the same rules as intake)? */
export function isDeliverableAddress(channel: Channel, address: string): boolean {
  return channel === 'email' ? emailAddress.safeParse(address).success : E164_PATTERN.test(address);
}

/** A producer: the owner of API keys and of the events they push. */
export const producerNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be letters, digits, _ . - (starting with a letter or digit)');

/** The producer of the bootstrap keys (`MC_API_KEY`) and of the events stored before producers existed. */
export const DEFAULT_PRODUCER = 'default';

/** An event type: what links an event to its published template. */
export const eventTypeSchema = z
  .string()
  .min(1)
  .max(EVENT_LIMITS.maxTypeLength)
  .regex(TYPE_PATTERN, 'may contain only letters, digits and _ . : -');

/** Nesting deeper than this in `ctx` is refused (PostgreSQL's jsonb and our renderer have limits too). */
const MAX_CTX_DEPTH = 32;

const serialized = new WeakMap<object, string>();

/** `ctx` as JSON, computed once per object (validation and storage both need it). */
export function ctxJsonOf(ctx: Record<string, unknown>): string {
  let json = serialized.get(ctx);
  if (json === undefined) {
    json = JSON.stringify(ctx);
    serialized.set(ctx, json);
  }
  return json;
}


/** An event's `ctx`: a JSON object PostgreSQL can store, at most 64 KiB and 32 levels deep. */
export const ctxSchema = z
  .record(z.string(), z.unknown())
  .default({})
  .superRefine((ctx, issue) => {
    // Depth and text first: serializing a value nested thousands of levels overflows the stack.
    const problem = jsonStorageProblem(ctx, MAX_CTX_DEPTH);
    if (problem) {
      issue.addIssue({ code: 'custom', message: problem });
    } else if (Buffer.byteLength(ctxJsonOf(ctx), 'utf8') > EVENT_LIMITS.maxCtxBytes) {
      issue.addIssue({ code: 'custom', message: `must be at most ${EVENT_LIMITS.maxCtxBytes} bytes as JSON` });
    }
  });

/**
 * One event as a producer sends it. Unknown keys are refused so that a typo (`emial`) is a clear
 * 400 rather than an event without an address. Every field error is reported at once: the
 * cross-field rules run even when a field has its own error.
 */
export const eventInputSchema = z
  .strictObject({
    type: eventTypeSchema,
    channel: z.enum(CHANNELS).default('email'),
    email: emailAddress.optional(),
    mobilePhone: z.string().regex(E164_PATTERN, 'must be an E.164 number, e.g. +33612345678').optional(),
    externalId: text().min(1).max(EVENT_LIMITS.maxExternalIdLength).optional(),
    ctx: ctxSchema,
    scheduledAt: dateTime().optional(),
    expiresAt: dateTime().optional(),
  })
  .superRefine((event, issue) => {
    if (event.channel === 'email' && event.email === undefined) {
      issue.addIssue({ code: 'custom', path: ['email'], message: 'is required when channel is email' });
    }
    if (event.channel === 'sms' && event.mobilePhone === undefined) {
      issue.addIssue({ code: 'custom', path: ['mobilePhone'], message: 'is required when channel is sms' });
    }
    if (event.scheduledAt && event.expiresAt && event.expiresAt <= event.scheduledAt) {
      issue.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must be after scheduledAt' });
    }
  });

export type EventInput = z.output<typeof eventInputSchema>;

export const batchInputSchema = z.strictObject({
  events: z
    .array(eventInputSchema)
    .min(1, 'must hold at least one event')
    .max(EVENT_LIMITS.maxBatchEvents, `must hold at most ${EVENT_LIMITS.maxBatchEvents} events`),
});

