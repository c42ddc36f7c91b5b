import { z } from 'zod';
import { CHANNELS } from '@mc/domain';

/**
 * The fields of a delivery log, wherever one travels: to producers (dates as ISO strings) and in
 * the archive feed to control (dates read back as `Date`).
 */
export function deliveryFields<D extends z.ZodType>(date: D) {
  return {
    channel: z.enum(CHANNELS),
    recipient: z.string(),
    templateName: z.string(),
    templateVersion: z.number().int(),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    providerMessageId: z.string().nullable(),
    createdAt: date,
    updatedAt: date,
    sentAt: date.nullable(),
  };
}
