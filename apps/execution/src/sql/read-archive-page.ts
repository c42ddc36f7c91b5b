import type pg from 'pg';
import type { ArchiveCursor } from './rows';

const START: ArchiveCursor = { xid: -1n, eventId: '00000000-0000-0000-0000-000000000000' };

/**
 * A page as read: its events as the JSON array of the feed (`ArchivedEvent[]`, built by
 * PostgreSQL: the rows are never turned into objects and back), how many, and the position of
 * its last row (what serving it covers).
 */
export interface ArchivePageRead {
  eventsJson: string;
  count: number;
  lastPosition?: ArchiveCursor;
}

export async function readArchivePage(pool: pg.Pool, after: ArchiveCursor | undefined, limit: number): Promise<ArchivePageRead> {
  const from = after ?? START;
  const { rows } = await pool.query<{ events: string; count: number; lastXid: string | null; lastId: string | null }>({
    name: 'mc_read_archive_feed',
    text: `WITH page AS (
             SELECT * FROM events e
             WHERE (e.change_xid, e.id) > ($1::bigint, $2::uuid)
               AND e.change_xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
             ORDER BY e.change_xid, e.id
             LIMIT $3
           )
           SELECT coalesce(json_agg(json_build_object(
                    'id', p.id, 'producer', p.producer, 'kind', p.kind, 'type', p.type, 'channel', p.channel, 'email', p.email,
                    'mobilePhone', p.mobile_phone, 'externalId', p.external_id, 'status', p.status, 'statusReason', p.status_reason,
                    'templateName', p.template_name, 'templateVersion', p.template_version, 'attempts', p.attempts,
                    'scheduledAt', p.scheduled_at, 'expiresAt', p.expires_at, 'createdAt', p.created_at, 'updatedAt', p.updated_at,
                    'linkedAt', p.linked_at,
                    'deliveries', coalesce((
                      SELECT json_agg(json_build_object(
                               'id', d.id, 'status', d.status, 'channel', d.channel, 'recipient', d.recipient,
                               'templateName', d.template_name, 'templateVersion', d.template_version, 'attempts', d.attempts,
                               'lastError', d.last_error, 'providerMessageId', d.provider_message_id,
                               'createdAt', d.created_at, 'updatedAt', d.updated_at, 'sentAt', d.sent_at) ORDER BY d.created_at)
                      FROM delivery_logs d WHERE d.event_id = p.id), '[]'::json))
                  ORDER BY p.change_xid, p.id), '[]'::json)::text AS events,
                  count(*)::int AS count,
                  (array_agg(p.change_xid ORDER BY p.change_xid DESC, p.id DESC))[1]::text AS "lastXid",
                  (array_agg(p.id ORDER BY p.change_xid DESC, p.id DESC))[1]::text AS "lastId"
           FROM page p`,
    values: [from.xid.toString(), from.eventId, limit],
  });
  const [page] = rows;
  if (!page) throw new Error('the archive feed read returned no row');
  return {
    eventsJson: page.events,
    count: page.count,
    lastPosition: page.lastXid && page.lastId ? { xid: BigInt(page.lastXid), eventId: page.lastId } : undefined,
  };
}
