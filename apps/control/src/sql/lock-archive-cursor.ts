import type { Queryable } from './queryable';
import type { ExecutionInstanceRow } from './rows';

export type ArchiveCursorRow = Pick<ExecutionInstanceRow, 'archive_cursor'>;

/**
 * Locks the account's row for the rest of the transaction run on this client and reads its
 * archive cursor; undefined when the account is gone.
 */
export async function lockArchiveCursor(client: Queryable, instance: string): Promise<ArchiveCursorRow | undefined> {
  const { rows } = await client.query<ArchiveCursorRow>({
    name: 'mc_lock_archive_cursor',
    text: 'SELECT archive_cursor FROM execution_instances WHERE name = $1 FOR UPDATE',
    values: [instance],
  });
  return rows[0];
}
