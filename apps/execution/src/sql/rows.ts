import type { Channel, EventKind } from '@mc/domain';
import type { OutgoingMessage } from '../delivery/channel-sender';

/*
 * Statements that name their rows (by event or delivery id) compare a status as text
 * (`status::text = 'pending'`): then no index holding a status column can be combined with the
 * primary key, and no plan — custom or generic, with or without statistics — scans the pending
 * backlog to find fifty rows (test/query-plans.test.ts).
 */

export interface ClaimedDelivery extends OutgoingMessage {
  templateName: string;
  /** Tries made before this one. */
  attempts: number;
  /** Since when it is tried: created, or retried by an operator (the give-up window counts from there). */
  triesSince: Date;
  /** Its event's `expiresAt`: no try after it. */
  eventExpiresAt: Date | null;
  /** The reason of an active suppression of the recipient, if any. */
  suppressedBecause: string | null;
  /** When its event was received (for latency metrics). */
  eventCreatedAt: Date;
}

/**
 * "The delivery logs of these events", written so that it reaches them by their unique key
 * whatever the statistics say. `event_id = ANY($1)` alone is estimated with a default selectivity
 * per id when `delivery_logs` has no statistics yet (a bulk load before autovacuum's ANALYZE):
 * 50 ids read as a quarter of the table, and a nullable column more or less tipped the plan to a
 * sequential scan. Through the events' primary key (exactly one row per id) and their channel,
 * each delivery log is one probe of the unique `(event_id, channel)` index.
 */
export function deliveriesOfEvents(ids: string): string {
  return `(event_id, channel) IN (SELECT e.id, e.channel FROM events e WHERE e.id = ANY(${ids}::uuid[]))`;
}

/**
 * The reason of the active suppression of delivery log `row`'s address, as a scalar subquery
 * (email addresses compared lowercased, as `suppressionAddress` stores them); null: none.
 */
export function activeSuppressionReason(row: string): string {
  return `(SELECT s.reason FROM suppressions s
   WHERE s.channel = ${row}.channel
     AND s.address = CASE WHEN ${row}.channel = 'email' THEN lower(btrim(${row}.recipient)) ELSE btrim(${row}.recipient) END
     AND (s.expires_at IS NULL OR s.expires_at > now()))`;
}

/** What a claim returns of a delivery-log row, its active suppression included: no extra round trip. */
export const CLAIMED_DELIVERY_COLUMNS = `id AS "deliveryLogId", event_id AS "eventId", channel, recipient, subject, html, text, headers,
  template_name AS "templateName", attempts, coalesce(retried_at, created_at) AS "triesSince",
  (SELECT e.expires_at FROM events e WHERE e.id = delivery_logs.event_id) AS "eventExpiresAt",
  ${activeSuppressionReason('delivery_logs')} AS "suppressedBecause",
  (SELECT e.created_at FROM events e WHERE e.id = delivery_logs.event_id) AS "eventCreatedAt"`;

/** A worker's hold on the deliveries it sends: its name and how long a lease lasts (ms). */
export interface DeliveryLease {
  holder: string;
  ms: number;
}

/**
 * The archive feed: events (with their delivery logs) in the order of the transaction that last
 * changed them, after a cursor.
 *
 * Why transaction ids and not a sequence: a sequence value is taken before its transaction
 * commits, so a reader can see 102 committed while 101 is still in flight, move its cursor past
 * 101 and never see it. Here every event carries the id of the transaction that last changed it
 * (`change_xid`), and the feed only serves rows of transactions older than the oldest one still
 * running (`pg_snapshot_xmin`): everything before the cursor is final, so a cursor can never
 * skip a row. A row changed again gets a newer `change_xid` and comes again after the cursor.
 */

export interface ArchiveCursor {
  xid: bigint;
  eventId: string;
}

/** The columns of an event as its producer gave them (validated), shared by the statements that write or read them. */
export interface EventColumns {
  kind: EventKind;
  type: string;
  channel: Channel;
  email: string | null;
  mobilePhone: string | null;
  externalId: string | null;
  scheduledAt: Date | null;
  expiresAt: Date | null;
}
