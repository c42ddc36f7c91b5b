import type { ArchivedEvent } from '@mc/contract';
import type { Queryable } from './queryable';

/**
 * Upserts the events of one feed page and their delivery logs, in one statement: the validated
 * page goes to PostgreSQL as one JSON parameter and is taken apart there (set-based, no per-row
 * parameters; a data-modifying WITH runs whether or not it is read). An event's `sent_at` is
 * its latest delivery's. Returns how many events were new:
 * an event archived again after a change is an update, not one more.
 */
export async function archivePageRows(client: Queryable, instance: string, events: readonly ArchivedEvent[]): Promise<number> {
  const { rows } = await client.query<{ fresh: number }>({
    name: 'mc_archive_page_rows',
    text: `WITH page AS (
             SELECT * FROM json_to_recordset($2::json) AS e(id uuid, producer text, kind text, type text, channel "Channel", email text,
               "mobilePhone" text, "externalId" text, status text, "statusReason" text, "templateName" text, "templateVersion" int,
               attempts int, "scheduledAt" timestamptz, "expiresAt" timestamptz, "createdAt" timestamptz, "updatedAt" timestamptz,
               "linkedAt" timestamptz, deliveries json)
           ), deliveries AS (
             SELECT p.id AS "eventId", d.* FROM page p, json_to_recordset(p.deliveries) AS d(id uuid, status text, channel "Channel",
               recipient text, "templateName" text, "templateVersion" int, attempts int, "lastError" text, "providerMessageId" text,
               "createdAt" timestamptz, "updatedAt" timestamptz, "sentAt" timestamptz)
           ), stored_deliveries AS (
             INSERT INTO archived_deliveries (instance, id, event_id, channel, status, recipient, template_name, template_version, attempts,
                 last_error, provider_message_id, created_at, updated_at, sent_at)
               SELECT $1, id, "eventId", channel, status, recipient, "templateName", "templateVersion", attempts,
                 "lastError", "providerMessageId", "createdAt", "updatedAt", "sentAt" FROM deliveries
             ON CONFLICT (instance, id) DO UPDATE SET status = EXCLUDED.status, attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error,
               provider_message_id = EXCLUDED.provider_message_id, updated_at = EXCLUDED.updated_at, sent_at = EXCLUDED.sent_at
           ), stored_events AS (
             INSERT INTO archived_events (instance, id, kind, type, channel, email, mobile_phone, external_id, status, status_reason,
                 template_name, template_version, attempts, scheduled_at, expires_at, created_at, updated_at, linked_at, sent_at, producer, archived_at)
               SELECT $1, p.id, p.kind, p.type, p.channel, p.email, p."mobilePhone", p."externalId", p.status, p."statusReason",
                 p."templateName", p."templateVersion", p.attempts, p."scheduledAt", p."expiresAt", p."createdAt", p."updatedAt", p."linkedAt",
                 (SELECT max(d."sentAt") FROM json_to_recordset(p.deliveries) AS d("sentAt" timestamptz)), p.producer, now()
               FROM page p
             ON CONFLICT (instance, id) DO UPDATE SET status = EXCLUDED.status, status_reason = EXCLUDED.status_reason,
               template_name = EXCLUDED.template_name, template_version = EXCLUDED.template_version, attempts = EXCLUDED.attempts,
               updated_at = EXCLUDED.updated_at, linked_at = EXCLUDED.linked_at, sent_at = EXCLUDED.sent_at, archived_at = now()
             RETURNING (xmax = 0)::int AS fresh
           )
           SELECT coalesce(sum(fresh), 0)::int AS fresh FROM stored_events`,
    values: [instance, JSON.stringify(events)],
  });
  return rows[0]?.fresh ?? 0;
}
