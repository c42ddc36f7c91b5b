import type pg from 'pg';
import type { ArchivePage } from '@mc/contract';
import { advanceArchiveCursor } from './advance-archive-cursor';
import { archivePageRows } from './archive-page-rows';
import { lockArchiveCursor } from './lock-archive-cursor';

/**
 * Stores one feed page and advances the account's cursor in the same transaction, and only if
 * the cursor is still the one the page was read after: a crash between fetching and saving
 * leaves the old cursor (the page is read again and upserted: no duplicate, no gap), and two
 * runs of one account cannot interleave. Returns false when the account is gone or another run
 * moved its cursor (the caller stops).
 */
export async function storeArchivePage(pool: pg.Pool, instance: string, readAfter: string | null, page: ArchivePage): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const account = await lockArchiveCursor(client, instance);
    if (!account || account.archive_cursor !== readAfter) {
      await client.query('ROLLBACK');
      return false;
    }
    // Distinct events: an event archived again after a change is an update, not one more.
    const newEvents = page.events.length > 0 ? await archivePageRows(client, instance, page.events) : 0;
    await advanceArchiveCursor(client, instance, page.nextCursor, newEvents);
    await client.query('COMMIT');
    return true;
  } catch (thrown) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw thrown;
  } finally {
    client.release();
  }
}
