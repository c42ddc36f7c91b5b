import type pg from 'pg';
import type { Channel } from '@mc/domain';
import type { MessageHeaders } from '@mc/templates';
import { unnestColumns } from '@mc/db';
import { type ClaimedDelivery, CLAIMED_DELIVERY_COLUMNS, type DeliveryLease } from './rows';

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
  headers: MessageHeaders | null;
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
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::"Channel"[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::jsonb[], $11::int[])
         AS d(id, event_id, channel, recipient, template_name, template_version, subject, html, text, headers, attempt)
     ), linked AS (
       UPDATE events e
       SET status = 'pending_delivery', template_name = d.template_name, template_version = d.template_version,
           linked_at = now(), updated_at = now(), attempts = d.attempt
       FROM d
       WHERE e.id = d.event_id AND e.status::text = 'pending'
       RETURNING e.id
     )
     INSERT INTO delivery_logs (id, event_id, channel, recipient, template_name, template_version, subject, html, text, headers, locked_until, locked_by)
     SELECT d.id, d.event_id, d.channel, d.recipient, d.template_name, d.template_version, d.subject, d.html, d.text, d.headers,
            now() + make_interval(secs => $12::double precision / 1000), $13
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
        'headers',
        'attempt',
      ]),
      lease.ms,
      lease.holder,
    ],
  });
  return rows;
}
