import { z } from 'zod';
import { CHANNELS } from '@mc/domain';
import { DEFAULT_PRODUCER } from './events';
import { deliveryFields } from './delivery-fields';

/**
 * The archive feed page an execution instance serves to control (`GET /api/v1/archive/events`):
 * events in the order of the transaction that last changed them, with their delivery logs and
 * without `ctx` (the producer's payload stays on the execution instance). Dates travel as ISO
 * strings; the cursor is opaque to control (only the instance that served it can read it).
 */
const dateTime = z.coerce.date();

export const archivedDeliverySchema = z.object({ id: z.string(), status: z.string(), ...deliveryFields(dateTime) });
export type ArchivedDelivery = z.output<typeof archivedDeliverySchema>;

/**
 * An archived event's fields, dates of the given type: ISO strings or `Date`s as each side reads
 * them (the feed here, control's archive API too).
 */
export function archivedEventFields<D extends z.ZodType>(date: D) {
  return {
    id: z.string(),
    /** Instances from before producers existed do not send it: their events are the default producer's. */
    producer: z.string().default(DEFAULT_PRODUCER),
    kind: z.string(),
    type: z.string(),
    channel: z.enum(CHANNELS),
    email: z.string().nullable(),
    mobilePhone: z.string().nullable(),
    externalId: z.string().nullable(),
    status: z.string(),
    statusReason: z.string().nullable(),
    templateName: z.string().nullable(),
    templateVersion: z.number().int().nullable(),
    attempts: z.number().int(),
    scheduledAt: date.nullable(),
    expiresAt: date.nullable(),
    createdAt: date,
    updatedAt: date,
    linkedAt: date.nullable(),
  };
}

export const archivedEventSchema = z.object({ ...archivedEventFields(dateTime), deliveries: z.array(archivedDeliverySchema) });
export type ArchivedEvent = z.output<typeof archivedEventSchema>;

export const archivePageSchema = z.object({
  events: z.array(archivedEventSchema),
  /** Pass back as `after`; equal to the request's when nothing new is final yet. */
  nextCursor: z.string().nullable(),
  /** Nothing more to read right now. */
  caughtUp: z.boolean(),
});
export type ArchivePage = z.output<typeof archivePageSchema>;
