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
  limit: z.coerce.number().int().min(1).max(5_000).default(1_000),
});

/**
 * A consumer's read of the feed: `after` acknowledges everything up to it (what lets purge
 * delete), then the next page is served and remembered as served. A cursor beyond what this
 * feed has served the consumer is refused (400): a forged cursor cannot acknowledge rows the
 * consumer never received, so purge can never delete an event that was not archived.
 */
export async function serveArchivePage(pool: pg.Pool, consumer: string, after: ArchiveCursor | undefined, limit: number): Promise<ArchivePage> {
  if (after && !(await acknowledgeArchive(pool, consumer, after))) {
    throw new AppError('validation_failed', 'This cursor is beyond what the feed has served; pass back a nextCursor it gave.', {
      fieldErrors: [{ path: 'after', message: 'is beyond what this feed has served' }],
    });
  }
  const page = await readArchivePage(pool, after, limit);
  if (page.lastPosition) await recordArchiveServed(pool, consumer, page.lastPosition);
  return { events: page.events, nextCursor: page.next ? encodeCursor(page.next) : null, caughtUp: page.caughtUp };
}

