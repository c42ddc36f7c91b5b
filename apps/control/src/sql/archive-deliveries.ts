import type { ArchivedDelivery } from '@mc/contract';
import { unnestColumns } from '@mc/db';
import type { Queryable } from './queryable';

/** A delivery of a feed page as it is archived: with its account and its event. */
export type DeliveryToArchive = ArchivedDelivery & { instance: string; eventId: string };

/** Upserts the deliveries of one page, in one statement. */
export async function archiveDeliveries(client: Queryable, deliveries: readonly DeliveryToArchive[]): Promise<void> {
  await client.query({
    name: 'mc_archive_deliveries',
    text: `INSERT INTO archived_deliveries (instance, id, event_id, channel, status, recipient, template_name, template_version, attempts,
                   last_error, provider_message_id, created_at, updated_at, sent_at)
                 SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::"Channel"[], $5::text[], $6::text[], $7::text[], $8::int[],
                   $9::int[], $10::text[], $11::text[], $12::timestamptz[], $13::timestamptz[], $14::timestamptz[])
                 ON CONFLICT (instance, id) DO UPDATE SET status = EXCLUDED.status, attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error,
                   provider_message_id = EXCLUDED.provider_message_id, updated_at = EXCLUDED.updated_at, sent_at = EXCLUDED.sent_at`,
    values: unnestColumns(deliveries, [
      'instance', 'id', 'eventId', 'channel', 'status', 'recipient', 'templateName', 'templateVersion', 'attempts',
      'lastError', 'providerMessageId', 'createdAt', 'updatedAt', 'sentAt',
    ]),
  });
}
