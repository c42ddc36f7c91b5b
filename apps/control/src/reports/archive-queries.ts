import type pg from 'pg';
import { z } from 'zod';
import { UUID_PATTERN, dateTime, isStorableDate, isStorableText, text } from '@mc/domain';
import { countArchivedEvents } from '../sql/count-archived-events';
import { findArchivedEvents } from '../sql/find-archived-events';
import { processingTimePercentiles } from '../sql/processing-time-percentiles';

export const archiveEventsQuerySchema = z.strictObject({
  instance: text().min(1).max(63).optional(),
  producer: text().min(1).max(64).optional(),
  type: text().min(1).max(64).optional(),
  status: text().min(1).max(64).optional(),
  from: dateTime().optional(),
  to: dateTime().optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  cursor: z
    .string()
    .transform((value, context) => {
      const [createdAt, instance, id] = Buffer.from(value, 'base64url').toString('utf8').split('|');
      if (!createdAt || !instance || !isStorableText(instance) || !id || !UUID_PATTERN.test(id) || !isStorableDate(new Date(createdAt))) {
        context.addIssue({ code: 'custom', message: 'is not a cursor this API gave' });
        return z.NEVER;
      }
      return { createdAt: new Date(createdAt), instance, id };
    })
    .optional(),
});
export type ArchiveEventsQuery = z.output<typeof archiveEventsQuerySchema>;

/** Archived events, newest first, filtered; `nextCursor` is null on the last page. */
export async function listArchivedEvents(pool: pg.Pool, query: ArchiveEventsQuery) {
  // One more than a page: whether there is a next one.
  const rows = await findArchivedEvents(pool, { ...query, after: query.cursor }, query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page,
    nextCursor:
      rows.length > query.limit && last ? Buffer.from(`${last.createdAt.toISOString()}|${last.instance}|${last.id}`).toString('base64url') : null,
  };
}

/** Counts by instance × type × status, and processing time (received → sent) percentiles per type. */
export async function summaryReport(pool: pg.Pool) {
  const [counts, processingTime] = await Promise.all([countArchivedEvents(pool), processingTimePercentiles(pool)]);
  return { counts, processingTime };
}
