import type pg from 'pg';
import { unnestColumns } from '@mc/db';
import type { ArchivePage } from '@mc/contract';

/**
 * Stores one feed page and advances the account's cursor in the same transaction, and only if
 * the cursor is still the one the page was read after: a crash between fetching and saving
 * leaves the old cursor (the page is read again and upserted: no duplicate, no gap), and two
 * runs of one account cannot interleave. Returns false when the account is gone or another run
 * moved its cursor (the caller stops).
 */
export async function storeArchivePage(pool: pg.Pool, instance: string, readAfter: string | null, page: ArchivePage): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ archive_cursor: string | null }>(
      'SELECT archive_cursor FROM execution_instances WHERE name = $1 FOR UPDATE',
      [instance],
    );
    if (rows.length === 0 || rows[0]?.archive_cursor !== readAfter) {
      await client.query('ROLLBACK');
      return false;
    }
    const events = page.events.map((event) => ({
      ...event,
      instance,
      sentAt: event.deliveries.reduce<Date | null>((latest, delivery) => (delivery.sentAt && (!latest || delivery.sentAt > latest) ? delivery.sentAt : latest), null),
    }));
    // Distinct events: an event archived again after a change is an update, not one more.
    let newEvents = 0;
    if (events.length > 0) {
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
      newEvents = inserted.rows.reduce((sum, row) => sum + row.fresh, 0);
      const deliveries = page.events.flatMap((event) => event.deliveries.map((delivery) => ({ ...delivery, instance, eventId: event.id })));
      if (deliveries.length > 0) {
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
    }
    await client.query(
      `UPDATE execution_instances SET archive_cursor = $2, archived_count = archived_count + $3, last_success_at = now(), last_error = NULL
       WHERE name = $1`,
      [instance, page.nextCursor, newEvents],
    );
    await client.query('COMMIT');
    return true;
  } catch (thrown) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw thrown;
  } finally {
    client.release();
  }
}
