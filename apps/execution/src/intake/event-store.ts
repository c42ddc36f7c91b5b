import type pg from 'pg';
import type { Channel, EventId, EventKind } from '@mc/domain';
import { unnestColumns } from '@mc/db';

/** An event as intake stores it: validated, with its id and dispatch job id assigned. */
export interface NewEventRow {
  id: EventId;
  kind: EventKind;
  type: string;
  channel: Channel;
  email: string | null;
  mobilePhone: string | null;
  externalId: string | null;
  /** `ctx` already serialized as JSON. */
  ctxJson: string;
  scheduledAt: Date | null;
  expiresAt: Date | null;
  jobId: string;
}

/**
 * One multi-row INSERT for any number of events (arrays unnested server-side: one round trip,
 * one commit). A repeated `externalId` inserts nothing — the unique index decides, so concurrent
 * requests with the same `externalId` cannot both win. Returns the ids actually inserted.
 */
export async function insertEvents(pool: pg.Pool, rows: readonly NewEventRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const { rows: inserted } = await pool.query<{ id: string }>({
    name: 'mc_insert_events',
    text: `INSERT INTO events (id, kind, type, channel, email, mobile_phone, external_id, ctx, scheduled_at, expires_at, job_id)
     SELECT id, kind, type, channel, email, mobile_phone, external_id, ctx::jsonb, scheduled_at, expires_at, job_id
     FROM unnest($1::uuid[], $2::"EventKind"[], $3::text[], $4::"Channel"[], $5::text[], $6::text[], $7::text[],
                 $8::text[], $9::timestamptz[], $10::timestamptz[], $11::text[])
       AS t(id, kind, type, channel, email, mobile_phone, external_id, ctx, scheduled_at, expires_at, job_id)
     -- One order for every statement: two groups holding the same external ids cannot deadlock.
     ORDER BY external_id
     ON CONFLICT (external_id) DO NOTHING
     RETURNING id`,
    values: unnestColumns(rows, [
      'id',
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
    ]),
  });
  return new Set(inserted.map((row) => row.id));
}

export interface ExistingEventRef {
  id: EventId;
  externalId: string;
  kind: EventKind;
  status: string;
}

/** The events already holding these external ids (the duplicates of an idempotent intake). */
export async function findEventsByExternalIds(pool: pg.Pool, externalIds: readonly string[]): Promise<Map<string, ExistingEventRef>> {
  if (externalIds.length === 0) return new Map();
  const { rows } = await pool.query<{ id: EventId; external_id: string; kind: EventKind; status: string }>(
    'SELECT id, external_id, kind, status FROM events WHERE external_id = ANY($1::text[])',
    [externalIds],
  );
  return new Map(rows.map((row) => [row.external_id, { id: row.id, externalId: row.external_id, kind: row.kind, status: row.status }]));
}
