import type pg from 'pg';
import type { EventColumns } from './rows';

/** The columns linking needs of a pending event. */
export interface PendingEvent extends EventColumns {
  id: string;
  ctx: Record<string, unknown>;
  createdAt: Date;
}

/** A pending event as linking reads it, with the published template of its (type, channel), if any. */
export interface EventToLink extends PendingEvent {
  templateName: string | null;
  templateVersion: number | null;
}

/**
 * In one statement: `pending → expired` for those of `ids` whose `expiresAt` has passed, and the
 * other pending ones with a reference to their published template (its body comes from the
 * renderer's cache of immutable versions).
 */
export async function loadEventsToLink(pool: pg.Pool, ids: readonly string[], expiredReason: string): Promise<{ expired: string[]; pending: EventToLink[] }> {
  const { rows } = await pool.query<EventToLink & { expired: boolean }>({
    name: 'mc_load_events_to_link',
    text: `WITH expired AS (
       UPDATE events SET status = 'expired', status_reason = $2, updated_at = now()
       WHERE id = ANY($1::uuid[]) AND status::text = 'pending' AND expires_at <= now()
       RETURNING id
     )
     SELECT e.id, e.kind, e.type, e.channel, e.email, e.mobile_phone AS "mobilePhone", e.external_id AS "externalId", e.ctx,
            e.scheduled_at AS "scheduledAt", e.expires_at AS "expiresAt", e.created_at AS "createdAt",
            t.name AS "templateName", t.version AS "templateVersion", false AS expired
     FROM events e LEFT JOIN published_templates t ON t.event_type = e.type AND t.channel = e.channel
     WHERE e.id = ANY($1::uuid[]) AND e.status::text = 'pending' AND e.id NOT IN (SELECT id FROM expired)
     UNION ALL
     SELECT id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true FROM expired`,
    values: [ids, expiredReason],
  });
  const expired: string[] = [];
  const pending: EventToLink[] = [];
  for (const { expired: isExpired, ...row } of rows) {
    if (isExpired) expired.push(row.id);
    else pending.push(row);
  }
  return { expired, pending };
}
