import type pg from 'pg';
import { z } from 'zod';
import { AppError, UUID_PATTERN } from '@mc/domain';
import type { ArchivePage } from '@mc/contract';
import { acknowledgeArchive } from '../sql/acknowledge-archive';
import { readArchivePage } from '../sql/read-archive-page';
import { recordArchiveServed } from '../sql/record-archive-served';
import type { ArchiveCursor } from '../sql/rows';

export function encodeCursor(cursor: ArchiveCursor): string {
  return Buffer.from(`${cursor.xid}:${cursor.eventId}`).toString('base64url');
}

export const archiveCursorSchema = z.string().transform((value, context) => {
  const [xid, eventId] = Buffer.from(value, 'base64url').toString('utf8').split(':');
  if (!xid || !/^\d+$/.test(xid) || !eventId || !UUID_PATTERN.test(eventId)) {
    context.addIssue({ code: 'custom', message: 'is not a cursor this feed gave' });
    return z.NEVER;
  }
  return { xid: BigInt(xid), eventId };
});

export const archiveQuerySchema = z.strictObject({
  after: archiveCursorSchema.optional(),
  /** What the consumer has stored; empty acknowledges nothing. Absent: `after` acknowledges. */
  ack: z.union([z.literal(''), archiveCursorSchema]).optional(),
  limit: z.coerce.number().int().min(1).max(5_000).default(1_000),
});
export type ArchiveQuery = z.output<typeof archiveQuerySchema>;

/**
 * A consumer's read of the feed. Its acknowledgement (what lets purge delete) moves to `ack`
 * when given — so a consumer can read page N+1 while it still stores page N, and acknowledge
 * only what it stored — or else to `after`, as the first consumers did; then the page after
 * `after` is served and remembered as served. An acknowledgement beyond what this feed has
 * served the consumer is refused (400): a forged cursor cannot acknowledge rows the consumer
 * never received, so purge can never delete an event that was not archived. Returns the page
 * as JSON text.
 */
export async function serveArchivePage(pool: pg.Pool, consumer: string, { after, ack, limit }: ArchiveQuery): Promise<string> {
  const acknowledged = ack === undefined ? after : ack || undefined;
  if (acknowledged && !(await acknowledgeArchive(pool, consumer, acknowledged))) {
    const path = ack === undefined ? 'after' : 'ack';
    throw new AppError('validation_failed', 'This cursor is beyond what the feed has served; pass back a nextCursor it gave.', {
      fieldErrors: [{ path, message: 'is beyond what this feed has served' }],
    });
  }
  const page = await readArchivePage(pool, after, limit);
  if (page.lastPosition) await recordArchiveServed(pool, consumer, page.lastPosition);
  const next = page.lastPosition ?? after;
  const answer: Omit<ArchivePage, 'events'> = { nextCursor: next ? encodeCursor(next) : null, caughtUp: page.count < limit };
  // The page as JSON (`ArchivePage`): the events' array comes from PostgreSQL as text.
  return `{"events":${page.eventsJson},${JSON.stringify(answer).slice(1)}`;
}
