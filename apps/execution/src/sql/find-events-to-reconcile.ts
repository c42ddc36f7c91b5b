import type pg from 'pg';
import type { EventKind } from '@mc/domain';

/** A `pending` event, or a linked one whose delivery nobody holds, as the reconciler pages through them. */
export interface EventToReconcile {
  id: string;
  kind: EventKind;
  type: string;
  job_id: string;
  scheduled_at: Date | null;
  created_at: Date;
}

/**
 * One page, in (created_at, id) order after `after`, of the events that may have lost their job:
 * `pending` ones, and `pending_delivery` ones whose delivery is still pending and held by nobody —
 * older than the grace period (a younger one's enqueue may still be in flight).
 */
export async function findEventsToReconcile(
  pool: pg.Pool,
  graceMs: number,
  after: { createdAt: Date; id: string } | undefined,
  pageSize: number,
): Promise<EventToReconcile[]> {
  const { rows } = await pool.query<EventToReconcile>(
    `SELECT id, kind, type, job_id, scheduled_at, created_at FROM events
       WHERE (status = 'pending'
              -- linked, but its delivery is neither sent nor held by a live worker (its job died for good)
              OR (status = 'pending_delivery' AND EXISTS (
                    SELECT 1 FROM delivery_logs d
                    WHERE d.event_id = events.id AND d.status = 'pending' AND (d.locked_until IS NULL OR d.locked_until < now()))))
         AND created_at < now() - make_interval(secs => $1::double precision / 1000)
         AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
       ORDER BY created_at, id
       LIMIT $4`,
    [graceMs, after?.createdAt ?? null, after?.id ?? null, pageSize],
  );
  return rows;
}
