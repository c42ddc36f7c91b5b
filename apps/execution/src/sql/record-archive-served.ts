import type pg from 'pg';
import type { ArchiveCursor } from './rows';

/** Remembers that the feed served `consumer` up to `position` (it only moves forward). */
export async function recordArchiveServed(pool: pg.Pool, consumer: string, position: ArchiveCursor): Promise<void> {
  await pool.query({
    name: 'mc_record_archive_served',
    text: `INSERT INTO archive_acknowledgements (consumer, change_xid, event_id, served_change_xid, served_event_id)
       VALUES ($1, -1, '00000000-0000-0000-0000-000000000000', $2::bigint, $3::uuid)
     ON CONFLICT (consumer) DO UPDATE SET served_change_xid = EXCLUDED.served_change_xid, served_event_id = EXCLUDED.served_event_id
     WHERE (archive_acknowledgements.served_change_xid, archive_acknowledgements.served_event_id) < (EXCLUDED.served_change_xid, EXCLUDED.served_event_id)`,
    values: [consumer, position.xid.toString(), position.eventId],
  });
}
