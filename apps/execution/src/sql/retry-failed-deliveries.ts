import type pg from 'pg';
import type { EventKind } from '@mc/domain';
import { activeSuppressionReason } from './rows';

export interface RetryFilter {
  eventId?: string;
  type?: string;
  /** Part of the delivery's last error, case-insensitive (e.g. `5.1.1`, `timed out`). */
  reason?: string;
  /** Failed at or after. */
  since?: Date;
  limit: number;
}

export interface RetryResult {
  retried: Array<{ id: string; kind: EventKind; type: string }>;
  /** Failed deliveries left as they are: their address is suppressed. */
  suppressed: Array<{ eventId: string; reason: string }>;
}

/**
 * Puts failed deliveries (of `delivery_failed` events) back to `pending`, in one statement: same
 * delivery-log id, so the same Message-ID; attempts go on; the give-up window starts again
 * (`retried_at`); the event goes back to `pending_delivery` (the move back a retry makes) and the
 * delivery's feedback records the retry. A delivery whose address is suppressed is left failed
 * and reported. The caller queues the events' jobs; if that fails, the reconciler does.
 */
export async function retryFailedDeliveries(pool: pg.Pool, filter: RetryFilter, retriedBy: string): Promise<RetryResult> {
  const { rows } = await pool.query<{ what: 'retried' | 'suppressed'; id: string; kind: EventKind; type: string; reason: string }>({
    name: 'mc_retry_failed_deliveries',
    text: `WITH candidates AS (
             SELECT d.id, d.event_id, ${activeSuppressionReason('d')} AS suppressed_because
             FROM delivery_logs d JOIN events e ON e.id = d.event_id
             WHERE d.status::text = 'failed' AND e.status::text = 'delivery_failed'
               AND ($1::uuid IS NULL OR e.id = $1::uuid)
               AND ($2::text IS NULL OR e.type = $2::text)
               AND ($3::text IS NULL OR strpos(lower(coalesce(d.last_error, '')), lower($3::text)) > 0)
               AND ($4::timestamptz IS NULL OR d.updated_at >= $4::timestamptz)
             ORDER BY d.updated_at, d.id
             LIMIT $5
             FOR UPDATE OF d, e
           ), retried AS (
             UPDATE delivery_logs d
             SET status = 'pending', next_attempt_at = NULL, locked_until = NULL, locked_by = NULL, retried_at = now(), synced_at = NULL, updated_at = now()
             FROM candidates c WHERE d.id = c.id AND c.suppressed_because IS NULL
             RETURNING d.id, d.event_id
           ), moved AS (
             UPDATE events e SET status = 'pending_delivery', status_reason = NULL, updated_at = now()
             FROM retried r WHERE e.id = r.event_id
             RETURNING e.id, e.kind::text AS kind, e.type
           ), noted AS (
             INSERT INTO delivery_feedback (id, delivery_log_id, kind, detail)
             SELECT gen_random_uuid(), r.id, 'retry', $6::text FROM retried r
           )
           SELECT 'retried' AS what, id, kind, type, NULL AS reason FROM moved
           UNION ALL
           SELECT 'suppressed', event_id, NULL, NULL, suppressed_because FROM candidates WHERE suppressed_because IS NOT NULL`,
    values: [filter.eventId ?? null, filter.type ?? null, filter.reason ?? null, filter.since ?? null, filter.limit, `retried by ${retriedBy}`],
  });
  return {
    retried: rows.filter((row) => row.what === 'retried').map(({ id, kind, type }) => ({ id, kind, type })),
    suppressed: rows.filter((row) => row.what === 'suppressed').map((row) => ({ eventId: row.id, reason: row.reason })),
  };
}
