import type pg from 'pg';
import { unnestColumns } from '@mc/db';
import type { EventId } from '@mc/domain';
import type { EventColumns } from './rows';

/** An event as intake stores it: validated, with its id and dispatch job id assigned. */
export interface NewEventRow extends EventColumns {
  id: EventId;
  producer: string;
  /** `ctx` already serialized as JSON. */
  ctxJson: string;
  /** What a SOAP producer sent beside the fields (JSON), and its ctx XML; null for others. */
  accAttributesJson: string | null;
  ctxXml: string | null;
  jobId: string;
}

/**
 * One multi-row INSERT for any number of events (arrays unnested server-side: one round trip,
 * one commit). A producer's repeated `externalId` inserts nothing — the unique index decides, so
 * concurrent requests with the same `externalId` cannot both win. Returns the ids actually
 * inserted, each with its numeric `plId` (a bigint, as text).
 */
export async function insertEvents(pool: pg.Pool, rows: readonly NewEventRow[]): Promise<Map<string, string>> {
  if (rows.length === 0) return new Map();
  const { rows: inserted } = await pool.query<{ id: string; plId: string }>({
    name: 'mc_insert_events',
    text: `INSERT INTO events (id, producer, kind, type, channel, email, mobile_phone, external_id, ctx, scheduled_at, expires_at, job_id, acc_attributes, ctx_xml)
     SELECT id, producer, kind, type, channel, email, mobile_phone, external_id, ctx::jsonb, scheduled_at, expires_at, job_id, acc_attributes::jsonb, ctx_xml
     FROM unnest($1::uuid[], $2::text[], $3::"EventKind"[], $4::text[], $5::"Channel"[], $6::text[], $7::text[], $8::text[],
                 $9::text[], $10::timestamptz[], $11::timestamptz[], $12::text[], $13::text[], $14::text[])
       AS t(id, producer, kind, type, channel, email, mobile_phone, external_id, ctx, scheduled_at, expires_at, job_id, acc_attributes, ctx_xml)
     -- One order for every statement: two groups holding the same external ids cannot deadlock.
     ORDER BY producer, external_id
     ON CONFLICT (producer, external_id) DO NOTHING
     RETURNING id, pl_id AS "plId"`,
    values: unnestColumns(rows, [
      'id',
      'producer',
      'kind',
      'type',
      'channel',
      'email',
      'mobilePhone',
      'externalId',
      'ctxJson',
      'scheduledAt',
      'expiresAt',
      'jobId',
      'accAttributesJson',
      'ctxXml',
    ]),
  });
  return new Map(inserted.map((row) => [row.id, row.plId]));
}
