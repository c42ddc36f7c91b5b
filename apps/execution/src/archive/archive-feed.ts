import type pg from 'pg';
import { z } from 'zod';
import { AppError, UUID_PATTERN } from '@mc/domain';
import type { ArchivedDelivery, ArchivedEvent, ArchivePage } from '@mc/contract';

/**
 * The archive feed: events (with their delivery logs) in the order of the transaction that last
 * changed them, after a cursor.
 *
 * Why transaction ids and not a sequence: a sequence value is taken before its transaction
 * commits, so a reader can see 102 committed while 101 is still in flight, move its cursor past
 * 101 and never see it. Here every event carries the id of the transaction that last changed it
 * (`change_xid`), and the feed only serves rows of transactions older than the oldest one still
 * running (`pg_snapshot_xmin`): everything before the cursor is final, so a cursor can never
 * skip a row. A row changed again gets a newer `change_xid` and comes again after the cursor.
 */

export interface ArchiveCursor {
  xid: bigint;
  eventId: string;
}

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

const START: ArchiveCursor = { xid: -1n, eventId: '00000000-0000-0000-0000-000000000000' };

/** A page as read, with the position of its last row (what serving it covers). */
export async function readArchivePage(pool: pg.Pool, after: ArchiveCursor | undefined, limit: number): Promise<ArchivePage & { lastPosition?: ArchiveCursor }> {
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
  const next = lastPosition ?? after;
  return {
    events: rows.map(({ changeXid: _changeXid, ...event }) => ({ ...event, deliveries: deliveries.get(event.id) ?? [] })),
    nextCursor: next ? encodeCursor(next) : null,
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
  if (page.lastPosition) await recordServed(pool, consumer, page.lastPosition);
  return { events: page.events, nextCursor: page.nextCursor, caughtUp: page.caughtUp };
}

/** Moves the consumer's acknowledgement forward to `cursor`; false when it is beyond what was served. */
async function acknowledgeArchive(pool: pg.Pool, consumer: string, cursor: ArchiveCursor): Promise<boolean> {
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

/** Remembers that the feed served `consumer` up to `position` (it only moves forward). */
async function recordServed(pool: pg.Pool, consumer: string, position: ArchiveCursor): Promise<void> {
  await pool.query({
    name: 'mc_record_archive_served',
    text: `INSERT INTO archive_acknowledgements (consumer, change_xid, event_id, served_change_xid, served_event_id)
       VALUES ($1, -1, '00000000-0000-0000-0000-000000000000', $2::bigint, $3::uuid)
     ON CONFLICT (consumer) DO UPDATE SET served_change_xid = EXCLUDED.served_change_xid, served_event_id = EXCLUDED.served_event_id
     WHERE (archive_acknowledgements.served_change_xid, archive_acknowledgements.served_event_id) < (EXCLUDED.served_change_xid, EXCLUDED.served_event_id)`,
    values: [consumer, position.xid.toString(), position.eventId],
  });
}
