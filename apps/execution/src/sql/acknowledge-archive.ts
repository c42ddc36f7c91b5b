import type pg from 'pg';
import type { ArchiveCursor } from './rows';

/** Moves the consumer's acknowledgement forward to `cursor`; false when it is beyond what was served. */
export async function acknowledgeArchive(pool: pg.Pool, consumer: string, cursor: ArchiveCursor): Promise<boolean> {
  const { rows } = await pool.query<{ within: boolean }>({
    name: 'mc_acknowledge_archive',
    text: `WITH head AS (
       SELECT served_change_xid, served_event_id FROM archive_acknowledgements WHERE consumer = $1
     ), acknowledged AS (
       UPDATE archive_acknowledgements a SET change_xid = $2::bigint, event_id = $3::uuid, acknowledged_at = now()
       FROM head
       WHERE a.consumer = $1 AND ($2::bigint, $3::uuid) <= (head.served_change_xid, head.served_event_id)
         AND (a.change_xid, a.event_id) < ($2::bigint, $3::uuid)
       RETURNING 1
     )
     SELECT EXISTS (SELECT 1 FROM head WHERE ($2::bigint, $3::uuid) <= (served_change_xid, served_event_id)) AS within`,
    values: [consumer, cursor.xid.toString(), cursor.eventId],
  });
  return rows[0]?.within === true;
}
