import type { Queryable } from './queryable';

/** Moves the account's cursor past a stored page, counts its new events and marks the read a success. */
export async function advanceArchiveCursor(client: Queryable, instance: string, nextCursor: string | null, newEvents: number): Promise<void> {
  await client.query({
    name: 'mc_advance_archive_cursor',
    text: `UPDATE execution_instances SET archive_cursor = $2, archived_count = archived_count + $3, last_success_at = now(), last_error = NULL
       WHERE name = $1`,
    values: [instance, nextCursor, newEvents],
  });
}
