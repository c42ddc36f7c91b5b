import type pg from 'pg';
import type { Channel, EventId, EventKind, EventStatus } from '@mc/domain';
import { unnestColumns } from '@mc/db';

/** An event as intake stores it: validated, with its id and dispatch job id assigned. */
export interface NewEventRow {
  id: EventId;
  producer: string;
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
 * one commit). A producer's repeated `externalId` inserts nothing — the unique index decides, so
 * concurrent requests with the same `externalId` cannot both win. Returns the ids actually inserted.
 */
export async function insertEvents(pool: pg.Pool, rows: readonly NewEventRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const { rows: inserted } = await pool.query<{ id: string }>({
    name: 'mc_insert_events',
    text: `INSERT INTO events (id, producer, kind, type, channel, email, mobile_phone, external_id, ctx, scheduled_at, expires_at, job_id)
     SELECT id, producer, kind, type, channel, email, mobile_phone, external_id, ctx::jsonb, scheduled_at, expires_at, job_id
     FROM unnest($1::uuid[], $2::text[], $3::"EventKind"[], $4::text[], $5::"Channel"[], $6::text[], $7::text[], $8::text[],
                 $9::text[], $10::timestamptz[], $11::timestamptz[], $12::text[])
       AS t(id, producer, kind, type, channel, email, mobile_phone, external_id, ctx, scheduled_at, expires_at, job_id)
     -- One order for every statement: two groups holding the same external ids cannot deadlock.
     ORDER BY producer, external_id
     ON CONFLICT (producer, external_id) DO NOTHING
     RETURNING id`,
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
    ]),
  });
  return new Set(inserted.map((row) => row.id));
}

export interface ExistingEventRef {
  id: EventId;
  kind: EventKind;
  status: EventStatus;
}

/** How a producer's `externalId` is looked up in the map `findEventsByExternalIds` returns. */
export function externalIdKey(producer: string, externalId: string): string {
  // Neither may hold U+0000 (refused at the edge): the separator cannot be forged.
  return `${producer}\u0000${externalId}`;
}

/** The events already holding these producers' external ids (the duplicates of an idempotent intake). */
export async function findEventsByExternalIds(
  pool: pg.Pool,
  keys: ReadonlyArray<{ producer: string; externalId: string }>,
): Promise<Map<string, ExistingEventRef>> {
  if (keys.length === 0) return new Map();
  const { rows } = await pool.query<{ id: EventId; producer: string; external_id: string; kind: EventKind; status: EventStatus }>({
    name: 'mc_find_events_by_external_ids',
    text: `SELECT e.id, e.producer, e.external_id, e.kind, e.status
           FROM unnest($1::text[], $2::text[]) AS k(producer, external_id)
           JOIN events e ON e.producer = k.producer AND e.external_id = k.external_id`,
    values: unnestColumns(keys, ['producer', 'externalId']),
  });
  return new Map(rows.map((row) => [externalIdKey(row.producer, row.external_id), { id: row.id, kind: row.kind, status: row.status }]));
}
