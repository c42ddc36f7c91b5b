import type pg from 'pg';
import { type ClaimedDelivery, CLAIMED_DELIVERY_COLUMNS, type DeliveryLease, deliveriesOfEvents } from './rows';

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

/**
 * Takes the `pending` delivery logs of these events that nobody holds, for the lease: while a
 * worker sends, no other worker (a duplicate job, a retry after a stall) can take the same row.
 * A crashed worker's rows become claimable again when its lease ends. In the same statement
 * (one snapshot, one `now()`), counts the pending rows another worker still holds, so a lease
 * ending "between two queries" can never leave a row neither claimed nor waited for.
 */
export async function claimPendingDeliveries(pool: pg.Pool, eventIds: readonly string[], lease: DeliveryLease): Promise<ClaimResult> {
  const { rows } = await pool.query<ClaimRow>({
    name: 'mc_claim_deliveries',
    text: `WITH free AS (
             SELECT id AS free_id, locked_by AS previous_holder FROM delivery_logs
             WHERE ${deliveriesOfEvents('$1')} AND status::text = 'pending' AND (locked_until IS NULL OR locked_until < now())
               AND (next_attempt_at IS NULL OR next_attempt_at <= now())
             -- Not SKIP LOCKED: a row another statement is changing is waited for and judged again,
             -- so it ends up claimed here or counted as held below, never neither.
             FOR UPDATE
           ), claimed AS (
             UPDATE delivery_logs SET locked_until = now() + make_interval(secs => $2::double precision / 1000), locked_by = $3
             FROM free WHERE delivery_logs.id = free.free_id AND delivery_logs.status::text = 'pending'
             RETURNING ${CLAIMED_DELIVERY_COLUMNS}, free.previous_holder AS "previousHolder"
           ), held AS (
             SELECT count(*)::int AS n, max(locked_until) AS until, array_agg(DISTINCT coalesce(locked_by, 'unknown')) AS holders
             FROM delivery_logs
             WHERE ${deliveriesOfEvents('$1')} AND status::text = 'pending' AND locked_until >= now()
           ), waiting AS (
             SELECT min(next_attempt_at) AS until FROM delivery_logs
             WHERE ${deliveriesOfEvents('$1')} AND status::text = 'pending' AND next_attempt_at > now()
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
