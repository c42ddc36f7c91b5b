import type pg from 'pg';
import type { Channel, EventKind } from '@mc/domain';
import { unnestColumns } from '@mc/db';
import { CLAIMED_DELIVERY_COLUMNS, type ClaimedDelivery, type DeliveryLease } from '../delivery/deliveries-store';

/** The columns linking needs of a pending event. */
export interface PendingEvent {
  id: string;
  kind: EventKind;
  type: string;
  channel: Channel;
  email: string | null;
  mobilePhone: string | null;
  externalId: string | null;
  ctx: Record<string, unknown>;
  scheduledAt: Date | null;
  expiresAt: Date | null;
  createdAt: Date;
}

/** A pending event as linking reads it, with the published template of its (type, channel), if any. */
export interface EventToLink extends PendingEvent {
  templateName: string | null;
  templateVersion: number | null;
}

/**
 * In one statement: `pending → expired` for those of `ids` whose `expiresAt` has passed, and the
 * other pending ones with a reference to their published template (its body comes from the
 * renderer's cache of immutable versions).
 */
export async function loadEventsToLink(pool: pg.Pool, ids: readonly string[], expiredReason: string): Promise<{ expired: string[]; pending: EventToLink[] }> {
  const { rows } = await pool.query<EventToLink & { expired: boolean }>({
    name: 'mc_load_events_to_link',
    text: `WITH expired AS (
       UPDATE events SET status = 'expired', status_reason = $2, updated_at = now()
       WHERE id = ANY($1::uuid[]) AND status = 'pending' AND expires_at <= now()
       RETURNING id
     )
     SELECT e.id, e.kind, e.type, e.channel, e.email, e.mobile_phone AS "mobilePhone", e.external_id AS "externalId", e.ctx,
            e.scheduled_at AS "scheduledAt", e.expires_at AS "expiresAt", e.created_at AS "createdAt",
            t.name AS "templateName", t.version AS "templateVersion", false AS expired
     FROM events e LEFT JOIN published_templates t ON t.event_type = e.type AND t.channel = e.channel
     WHERE e.id = ANY($1::uuid[]) AND e.status = 'pending' AND e.id NOT IN (SELECT id FROM expired)
     UNION ALL
     SELECT id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true FROM expired`,
    values: [ids, expiredReason],
  });
  const expired: string[] = [];
  const pending: EventToLink[] = [];
  for (const { expired: isExpired, ...row } of rows) {
    if (isExpired) expired.push(row.id);
    else pending.push(row);
  }
  return { expired, pending };
}

/** `pending → expired` for all of `ids` still pending (the job gave up on them). */
export async function expirePendingEvents(pool: pg.Pool, ids: readonly string[], reason: string): Promise<number> {
  const { rowCount } = await pool.query(
    `UPDATE events SET status = 'expired', status_reason = $2, updated_at = now()
     WHERE id = ANY($1::uuid[]) AND status = 'pending'`,
    [ids, reason],
  );
  return rowCount ?? 0;
}

/** `pending → not_taken_into_account`, one reason per event. */
export async function markNotTakenIntoAccount(pool: pg.Pool, rejections: ReadonlyArray<{ id: string; reason: string }>): Promise<number> {
  if (rejections.length === 0) return 0;
  const { rowCount } = await pool.query({
    name: 'mc_mark_not_taken',
    text: `UPDATE events e SET status = 'not_taken_into_account', status_reason = r.reason, updated_at = now()
     FROM unnest($1::uuid[], $2::text[]) AS r(id, reason)
     WHERE e.id = r.id AND e.status = 'pending'`,
    values: unnestColumns(rejections, ['id', 'reason']),
  });
  return rowCount ?? 0;
}

/** A rendered delivery, ready to be linked to its event. */
export interface LinkedDelivery {
  deliveryLogId: string;
  eventId: string;
  channel: Channel;
  recipient: string;
  templateName: string;
  templateVersion: number;
  subject: string;
  html: string;
  text: string;
  /** The processing attempt that links it (recorded on the event). */
  attempt: number;
}

/**
 * `pending → pending_delivery` and the delivery-log row, in one statement (so one transaction):
 * an event is linked together with its delivery log or not at all, and only if it was still
 * `pending` — a duplicate job links nothing twice. The new delivery logs come back already
 * claimed by this worker for its lease, with their suppression if any, ready to send.
 */
export async function linkEventsToDeliveries(
  pool: pg.Pool,
  deliveries: readonly LinkedDelivery[],
  lease: DeliveryLease,
): Promise<ClaimedDelivery[]> {
  if (deliveries.length === 0) return [];
  const { rows } = await pool.query<ClaimedDelivery>({
    name: 'mc_link_events',
    text: `WITH d AS (
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::"Channel"[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::int[])
         AS d(id, event_id, channel, recipient, template_name, template_version, subject, html, text, attempt)
     ), linked AS (
       UPDATE events e
       SET status = 'pending_delivery', template_name = d.template_name, template_version = d.template_version,
           linked_at = now(), updated_at = now(), attempts = d.attempt
       FROM d
       WHERE e.id = d.event_id AND e.status = 'pending'
       RETURNING e.id
     )
     INSERT INTO delivery_logs (id, event_id, channel, recipient, template_name, template_version, subject, html, text, locked_until, locked_by)
     SELECT d.id, d.event_id, d.channel, d.recipient, d.template_name, d.template_version, d.subject, d.html, d.text,
            now() + make_interval(secs => $11::double precision / 1000), $12
     FROM d JOIN linked ON linked.id = d.event_id
     ON CONFLICT (event_id, channel) DO NOTHING
     RETURNING ${CLAIMED_DELIVERY_COLUMNS}`,
    values: [
      ...unnestColumns(deliveries, [
        'deliveryLogId',
        'eventId',
        'channel',
        'recipient',
        'templateName',
        'templateVersion',
        'subject',
        'html',
        'text',
        'attempt',
      ]),
      lease.ms,
      lease.holder,
    ],
  });
  return rows;
}
