import type pg from 'pg';
import { unnestColumns } from '@mc/db';
import type { EventKind, EventId, EventStatus } from '@mc/domain';

export interface ExistingEventRef {
  id: EventId;
  kind: EventKind;
  status: EventStatus;
  /** The numeric id (a bigint, as text). */
  plId: string;
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
  const { rows } = await pool.query<{ id: EventId; producer: string; external_id: string; kind: EventKind; status: EventStatus; plId: string }>({
    name: 'mc_find_events_by_external_ids',
    text: `SELECT e.id, e.producer, e.external_id, e.kind, e.status, e.pl_id AS "plId"
           FROM unnest($1::text[], $2::text[]) AS k(producer, external_id)
           JOIN events e ON e.producer = k.producer AND e.external_id = k.external_id`,
    values: unnestColumns(keys, ['producer', 'externalId']),
  });
  return new Map(rows.map((row) => [externalIdKey(row.producer, row.external_id), { id: row.id, kind: row.kind, status: row.status, plId: row.plId }]));
}
