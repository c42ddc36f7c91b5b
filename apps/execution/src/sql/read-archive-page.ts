import type pg from 'pg';
import type { ArchivedDelivery, ArchivedEvent } from '@mc/contract';
import type { ArchiveCursor } from './rows';

const START: ArchiveCursor = { xid: -1n, eventId: '00000000-0000-0000-0000-000000000000' };

/** A page as read: the position to read on from (`next`) and of its last row (what serving it covers). */
export async function readArchivePage(pool: pg.Pool, after: ArchiveCursor | undefined, limit: number): Promise<{ events: ArchivedEvent[]; next?: ArchiveCursor; caughtUp: boolean; lastPosition?: ArchiveCursor }> {
  const from = after ?? START;
  const { rows } = await pool.query<Omit<ArchivedEvent, 'deliveries'> & { changeXid: string }>({
    name: 'mc_read_archive_feed',
    text: `SELECT e.id, e.producer, e.kind, e.type, e.channel, e.email, e.mobile_phone AS "mobilePhone", e.external_id AS "externalId",
                  e.status, e.status_reason AS "statusReason", e.template_name AS "templateName",
                  e.template_version AS "templateVersion", e.attempts, e.scheduled_at AS "scheduledAt",
                  e.expires_at AS "expiresAt", e.created_at AS "createdAt", e.updated_at AS "updatedAt",
                  e.linked_at AS "linkedAt", e.change_xid::text AS "changeXid"
           FROM events e
           WHERE (e.change_xid, e.id) > ($1::bigint, $2::uuid)
             AND e.change_xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
           ORDER BY e.change_xid, e.id
           LIMIT $3`,
    values: [from.xid.toString(), from.eventId, limit],
  });
  const deliveries = await deliveriesOf(pool, rows.map((row) => row.id));
  const last = rows[rows.length - 1];
  const lastPosition = last ? { xid: BigInt(last.changeXid), eventId: last.id } : undefined;
  return {
    events: rows.map(({ changeXid: _changeXid, ...event }) => ({ ...event, deliveries: deliveries.get(event.id) ?? [] })),
    next: lastPosition ?? after,
    caughtUp: rows.length < limit,
    lastPosition,
  };
}

async function deliveriesOf(pool: pg.Pool, eventIds: string[]): Promise<Map<string, ArchivedDelivery[]>> {
  const byEvent = new Map<string, ArchivedDelivery[]>();
  if (eventIds.length === 0) return byEvent;
  const { rows } = await pool.query<ArchivedDelivery & { eventId: string }>({
    name: 'mc_read_archive_deliveries',
    text: `SELECT id, event_id AS "eventId", channel, status, recipient, template_name AS "templateName",
                  template_version AS "templateVersion", attempts, last_error AS "lastError",
                  provider_message_id AS "providerMessageId", created_at AS "createdAt", updated_at AS "updatedAt", sent_at AS "sentAt"
           FROM delivery_logs WHERE event_id = ANY($1::uuid[]) ORDER BY created_at`,
    values: [eventIds],
  });
  for (const { eventId, ...delivery } of rows) {
    const list = byEvent.get(eventId);
    if (list) list.push(delivery);
    else byEvent.set(eventId, [delivery]);
  }
  return byEvent;
}
