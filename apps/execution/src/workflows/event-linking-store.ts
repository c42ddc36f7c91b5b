import type pg from 'pg';
import type { Channel, EventKind } from '@mc/domain';
import { unnestColumns } from '@mc/db';

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

/** `pending → expired` for those of `ids` whose `expiresAt` has passed. */
export async function expireOverdueEvents(pool: pg.Pool, ids: readonly string[], reason: string): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `UPDATE events SET status = 'expired', status_reason = $2, updated_at = now()
     WHERE id = ANY($1::uuid[]) AND status = 'pending' AND expires_at <= now()
     RETURNING id`,
    [ids, reason],
  );
  return rows.map((row) => row.id);
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

export async function loadPendingEvents(pool: pg.Pool, ids: readonly string[]): Promise<PendingEvent[]> {
  const { rows } = await pool.query<PendingEvent>(
    `SELECT id, kind, type, channel, email, mobile_phone AS "mobilePhone", external_id AS "externalId", ctx,
            scheduled_at AS "scheduledAt", expires_at AS "expiresAt", created_at AS "createdAt"
     FROM events WHERE id = ANY($1::uuid[]) AND status = 'pending'`,
    [ids],
  );
  return rows;
}

/** `pending → not_taken_into_account`, one reason per event. */
export async function markNotTakenIntoAccount(pool: pg.Pool, rejections: ReadonlyArray<{ id: string; reason: string }>): Promise<number> {
  if (rejections.length === 0) return 0;
  const { rowCount } = await pool.query(
    `UPDATE events e SET status = 'not_taken_into_account', status_reason = r.reason, updated_at = now()
     FROM unnest($1::uuid[], $2::text[]) AS r(id, reason)
     WHERE e.id = r.id AND e.status = 'pending'`,
    unnestColumns(rejections, ['id', 'reason']),
  );
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
}

/**
 * `pending → pending_delivery` and the delivery-log row, in one statement (so one transaction):
 * an event is linked together with its delivery log or not at all, and only if it was still
 * `pending` — a duplicate job links nothing twice. Returns the ids of the events it linked.
 */
export async function linkEventsToDeliveries(pool: pg.Pool, deliveries: readonly LinkedDelivery[], attempt: number): Promise<string[]> {
  if (deliveries.length === 0) return [];
  const { rows } = await pool.query<{ event_id: string }>(
    `WITH d AS (
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::"Channel"[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[])
         AS d(id, event_id, channel, recipient, template_name, template_version, subject, html, text)
     ), linked AS (
       UPDATE events e
       SET status = 'pending_delivery', template_name = d.template_name, template_version = d.template_version,
           linked_at = now(), updated_at = now(), attempts = $10
       FROM d
       WHERE e.id = d.event_id AND e.status = 'pending'
       RETURNING e.id
     )
     INSERT INTO delivery_logs (id, event_id, channel, recipient, template_name, template_version, subject, html, text)
     SELECT d.id, d.event_id, d.channel, d.recipient, d.template_name, d.template_version, d.subject, d.html, d.text
     FROM d JOIN linked ON linked.id = d.event_id
     ON CONFLICT (event_id, channel) DO NOTHING
     RETURNING event_id`,
    [
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
      ]),
      attempt,
    ],
  );
  return rows.map((row) => row.event_id);
}
