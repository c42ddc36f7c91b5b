import type pg from 'pg';
import type { Channel } from '@mc/domain';
import { unnestColumns } from '@mc/db';
import type { OutgoingMessage } from './channel-sender';

export interface ClaimedDelivery extends OutgoingMessage {
  templateName: string;
  /** Tries made before this one. */
  attempts: number;
  /** When the delivery was created (linked): its retry schedule gives up a while after. */
  createdAt: Date;
  /** Its event's `expiresAt`: no try after it. */
  eventExpiresAt: Date | null;
  /** The reason of an active suppression of the recipient, if any. */
  suppressedBecause: string | null;
  /** When its event was received (for latency metrics). */
  eventCreatedAt: Date;
}

/**
 * What a claim returns of a delivery-log row `d`, its active suppression included (email
 * addresses compared lowercased, as `suppressionAddress` stores them): no extra round trip.
 */
export const CLAIMED_DELIVERY_COLUMNS = `id AS "deliveryLogId", event_id AS "eventId", channel, recipient, subject, html, text,
  template_name AS "templateName", attempts, created_at AS "createdAt",
  (SELECT e.expires_at FROM events e WHERE e.id = delivery_logs.event_id) AS "eventExpiresAt",
  (SELECT s.reason FROM suppressions s
   WHERE s.channel = delivery_logs.channel
     AND s.address = CASE WHEN delivery_logs.channel = 'email' THEN lower(btrim(delivery_logs.recipient)) ELSE btrim(delivery_logs.recipient) END
     AND (s.expires_at IS NULL OR s.expires_at > now())) AS "suppressedBecause",
  (SELECT e.created_at FROM events e WHERE e.id = delivery_logs.event_id) AS "eventCreatedAt"`;

/**
 * Takes the `pending` delivery logs of these events that nobody holds, for the lease: while a
 * worker sends, no other worker (a duplicate job, a retry after a stall) can take the same row.
 * A crashed worker's rows become claimable again when its lease ends. In the same statement
 * (one snapshot, one `now()`), counts the pending rows another worker still holds, so a lease
 * ending "between two queries" can never leave a row neither claimed nor waited for.
 */
/** A worker's hold on the deliveries it sends: its name and how long a lease lasts (ms). */
export interface DeliveryLease {
  holder: string;
  ms: number;
}

export interface ClaimResult {
  claimed: ClaimedDelivery[];
  /** Pending deliveries another worker holds, and when the last of those leases ends. */
  heldElsewhere: number;
  heldUntil: Date | null;
  heldBy: string[];
  /** The earliest next try of pending deliveries not due yet (their retry schedule); null: none. */
  notDueUntil: Date | null;
  /** Deliveries claimed here whose previous holder's lease had ended without an outcome, by holder. */
  takenOver: Array<{ holder: string; deliveries: number }>;
}

/** The columns of `claimPendingDeliveries`' answer besides the delivery's own. */
interface ClaimRow extends ClaimedDelivery {
  previousHolder: string | null;
  heldElsewhere: number | null;
  heldUntil: Date | null;
  heldBy: string[] | null;
  notDueUntil: Date | null;
}

export async function claimPendingDeliveries(pool: pg.Pool, eventIds: readonly string[], lease: DeliveryLease): Promise<ClaimResult> {
  const { rows } = await pool.query<ClaimRow>({
    name: 'mc_claim_deliveries',
    text: `WITH free AS (
             SELECT id AS free_id, locked_by AS previous_holder FROM delivery_logs
             WHERE event_id = ANY($1::uuid[]) AND status = 'pending' AND (locked_until IS NULL OR locked_until < now())
               AND (next_attempt_at IS NULL OR next_attempt_at <= now())
             -- Not SKIP LOCKED: a row another statement is changing is waited for and judged again,
             -- so it ends up claimed here or counted as held below, never neither.
             FOR UPDATE
           ), claimed AS (
             UPDATE delivery_logs SET locked_until = now() + make_interval(secs => $2::double precision / 1000), locked_by = $3
             FROM free WHERE delivery_logs.id = free.free_id AND delivery_logs.status = 'pending'
             RETURNING ${CLAIMED_DELIVERY_COLUMNS}, free.previous_holder AS "previousHolder"
           ), held AS (
             SELECT count(*)::int AS n, max(locked_until) AS until, array_agg(DISTINCT coalesce(locked_by, 'unknown')) AS holders
             FROM delivery_logs
             WHERE event_id = ANY($1::uuid[]) AND status = 'pending' AND locked_until >= now()
           ), waiting AS (
             SELECT min(next_attempt_at) AS until FROM delivery_logs
             WHERE event_id = ANY($1::uuid[]) AND status = 'pending' AND next_attempt_at > now()
               AND (locked_until IS NULL OR locked_until < now())
           )
           SELECT claimed.*, held.n AS "heldElsewhere", held.until AS "heldUntil", held.holders AS "heldBy", waiting.until AS "notDueUntil"
           FROM held CROSS JOIN waiting LEFT JOIN claimed ON true`,
    values: [eventIds, lease.ms, lease.holder],
  });
  const first = rows[0];
  const claimed: ClaimedDelivery[] = [];
  const takenOver = new Map<string, number>();
  for (const { previousHolder, heldElsewhere: _n, heldUntil: _until, heldBy: _by, notDueUntil: _due, ...delivery } of rows) {
    if (delivery.deliveryLogId === null) continue;
    claimed.push(delivery);
    if (previousHolder !== null && previousHolder !== lease.holder) takenOver.set(previousHolder, (takenOver.get(previousHolder) ?? 0) + 1);
  }
  const heldElsewhere = first?.heldElsewhere ?? 0;
  return {
    claimed,
    heldElsewhere,
    heldUntil: heldElsewhere > 0 ? (first?.heldUntil ?? null) : null,
    heldBy: heldElsewhere > 0 ? (first?.heldBy ?? []) : [],
    notDueUntil: first?.notDueUntil ?? null,
    takenOver: [...takenOver].map(([holder, deliveries]) => ({ holder, deliveries })),
  };
}

/** Extends the lease of deliveries this worker is still sending (its heartbeat while alive). */
export async function renewDeliveryLeases(pool: pg.Pool, deliveryLogIds: readonly string[], lease: DeliveryLease): Promise<void> {
  if (deliveryLogIds.length === 0) return;
  await pool.query({
    name: 'mc_renew_leases',
    text: `UPDATE delivery_logs SET locked_until = now() + make_interval(secs => $2::double precision / 1000)
           WHERE id = ANY($1::uuid[]) AND status = 'pending' AND locked_by = $3`,
    values: [deliveryLogIds, lease.ms, lease.holder],
  });
}

/** Suppression keys are case-insensitive for email (`Ada@Example.com` is `ada@example.com`). */
export function suppressionAddress(channel: Channel, address: string): string {
  return channel === 'email' ? address.trim().toLowerCase() : address.trim();
}

/** What happened to one delivery; `pending` means "try again at `nextAttemptAt`". */
export interface DeliveryOutcome {
  deliveryLogId: string;
  status: 'sent' | 'ignored' | 'failed' | 'pending';
  /** 1 when a try counts, 0 when none does (suppressed, undeliverable, the transport unreachable). */
  attempted: number;
  /** For `pending`: when to try again. */
  nextAttemptAt: Date | null;
  error: string | null;
  providerMessageId: string | null;
  /** A permanent failure puts the address on the suppression list (normalized), with `error` as the reason. */
  suppressChannel: Channel | null;
  suppressAddress: string | null;
}

/**
 * Records outcomes in one statement and releases the rows. Conditional on `status = 'pending'`:
 * an outcome never overwrites a final one.
 */
export async function recordDeliveryOutcomes(pool: pg.Pool, outcomes: readonly DeliveryOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  // One statement: an outcome and the suppression it causes are recorded together or not at all.
  await pool.query({
    name: 'mc_record_outcomes',
    text: `WITH o AS (
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::text[], $6::"Channel"[], $7::text[], $8::timestamptz[])
               AS o(id, status, attempted, error, provider_message_id, suppress_channel, suppress_address, next_attempt_at)
           ), recorded AS (
             UPDATE delivery_logs d
             SET status = o.status::"DeliveryStatus", attempts = d.attempts + o.attempted, last_error = o.error,
                 provider_message_id = COALESCE(o.provider_message_id, d.provider_message_id),
                 sent_at = CASE WHEN o.status = 'sent' THEN now() ELSE d.sent_at END,
                 locked_until = NULL, locked_by = NULL, next_attempt_at = o.next_attempt_at, updated_at = now()
             FROM o WHERE d.id = o.id AND d.status = 'pending'
             RETURNING d.id
           )
           INSERT INTO suppressions (channel, address, reason)
           SELECT DISTINCT ON (suppress_channel, suppress_address) suppress_channel, suppress_address, coalesce(error, 'permanent failure')
           FROM o WHERE suppress_channel IS NOT NULL AND o.id IN (SELECT id FROM recorded)
           ON CONFLICT (channel, address) DO UPDATE SET reason = EXCLUDED.reason, expires_at = NULL, created_at = now()`,
    values: unnestColumns(outcomes, ['deliveryLogId', 'status', 'attempted', 'error', 'providerMessageId', 'suppressChannel', 'suppressAddress', 'nextAttemptAt']),
  });
}

/** Gives up on the still-pending, unheld delivery logs of these events (their job is out of attempts). */
export async function failAbandonedDeliveries(pool: pg.Pool, eventIds: readonly string[], reason: string): Promise<number> {
  const { rowCount } = await pool.query(
    `UPDATE delivery_logs SET status = 'failed', last_error = $2, locked_until = NULL, updated_at = now()
     WHERE event_id = ANY($1::uuid[]) AND status = 'pending' AND (locked_until IS NULL OR locked_until < now())`,
    [eventIds, reason],
  );
  return rowCount ?? 0;
}
