import type { ArchivedEvent } from '@mc/contract';
import { unnestColumns } from '@mc/db';
import type { Queryable } from './queryable';

/** An event of a feed page as it is archived: with its account and when its last delivery was sent. */
export type EventToArchive = ArchivedEvent & { instance: string; sentAt: Date | null };

/**
 * Upserts the events of one page, in one statement. Returns how many were new: an event
 * archived again after a change is an update, not one more.
 */
export async function archiveEvents(client: Queryable, events: readonly EventToArchive[]): Promise<number> {
  const inserted = await client.query<{ fresh: number }>({
    name: 'mc_archive_events',
    text: `INSERT INTO archived_events (instance, id, kind, type, channel, email, mobile_phone, external_id, status, status_reason,
                 template_name, template_version, attempts, scheduled_at, expires_at, created_at, updated_at, linked_at, sent_at, producer, archived_at)
               SELECT *, now() FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::"Channel"[], $6::text[], $7::text[], $8::text[],
                 $9::text[], $10::text[], $11::text[], $12::int[], $13::int[], $14::timestamptz[], $15::timestamptz[], $16::timestamptz[],
                 $17::timestamptz[], $18::timestamptz[], $19::timestamptz[], $20::text[])
               ON CONFLICT (instance, id) DO UPDATE SET status = EXCLUDED.status, status_reason = EXCLUDED.status_reason,
                 template_name = EXCLUDED.template_name, template_version = EXCLUDED.template_version, attempts = EXCLUDED.attempts,
                 updated_at = EXCLUDED.updated_at, linked_at = EXCLUDED.linked_at, sent_at = EXCLUDED.sent_at, archived_at = now()
               RETURNING (xmax = 0)::int AS fresh`,
    values: unnestColumns(events, [
      'instance', 'id', 'kind', 'type', 'channel', 'email', 'mobilePhone', 'externalId', 'status', 'statusReason',
      'templateName', 'templateVersion', 'attempts', 'scheduledAt', 'expiresAt', 'createdAt', 'updatedAt', 'linkedAt', 'sentAt', 'producer',
    ]),
  });
  return inserted.rows.reduce((sum, row) => sum + row.fresh, 0);
}
