import type pg from 'pg';
import type { QueuedWebhookMessage } from './claim-webhook-message';
import { startWebhookFeed } from './start-webhook-feed';

/** The change-feed consumer whose cursor the webhook fan-out moves (a row of archive_acknowledgements). */
export const WEBHOOK_FEED_CONSUMER = 'webhooks';
/** One fan-out at a time, whichever worker runs the job (a transaction-level advisory lock). */
const FANOUT_LOCK = 0x6d635f77; // "mc_w"

/** An ISO-8601 UTC text of a timestamptz, as the API writes dates (`…T…Z`). */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export interface FanOutPage {
  /** Events read from the change feed. */
  read: number;
  /** The messages created, to be queued. */
  messages: QueuedWebhookMessage[];
}

/**
 * One page of the change feed (the archive feed's order: see rows.ts) turned into webhook
 * messages, and the webhooks cursor moved past it, in one statement. For each changed event and
 * each enabled endpoint of its producer registered before the change: `event.<status>` when the
 * status is final and is not the last status already told to that endpoint (so a replayed
 * delivery that ends `sent` again is told again), and `event.complained` once when the event
 * has a complaint. One transaction under the fan-out's advisory lock (undefined: another
 * fan-out holds it), the cursor started first if it has never been (see start-webhook-feed.ts).
 */
export async function fanOutWebhookPage(pool: pg.Pool, limit: number): Promise<FanOutPage | undefined> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [FANOUT_LOCK]);
    if (!rows[0]?.locked) {
      await client.query('ROLLBACK');
      return undefined;
    }
    await startWebhookFeed(client);
    const page = await fanOutWebhookMessages(client, limit);
    await client.query('COMMIT');
    return page;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function fanOutWebhookMessages(client: pg.PoolClient, limit: number): Promise<FanOutPage> {
  const { rows } = await client.query<{ read: number; messages: Array<{ id: string; attempts: number; nextAttemptAt: string }> | null }>({
    name: 'mc_fan_out_webhook_messages',
    text: `WITH position AS (
             SELECT change_xid, event_id FROM archive_acknowledgements WHERE consumer = $1
           ), page AS (
             SELECT e.* FROM events e, position c
             WHERE (e.change_xid, e.id) > (c.change_xid, c.event_id)
               AND e.change_xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
             ORDER BY e.change_xid, e.id
             LIMIT $2
           ), wanted AS (
             SELECT w.id AS endpoint_id, p.id AS event_id, p.external_id, p.type AS event_type, p.channel, p.status, p.status_reason,
                    p.template_name, p.template_version, p.updated_at, t.type AS message_type, t.complaint
             FROM page p
             JOIN webhook_endpoints w ON w.producer = p.producer AND w.enabled AND w.created_at <= p.updated_at
             CROSS JOIN LATERAL (
               SELECT 'event.' || p.status::text AS type, NULL::json AS complaint
               WHERE p.status::text IN ('sent', 'ignored', 'delivery_failed', 'not_taken_into_account', 'expired')
               UNION ALL
               (SELECT 'event.complained', json_build_object('type', f.status, 'detail', f.detail, 'receivedAt', ${iso('f.received_at')})
                FROM delivery_logs d JOIN delivery_feedback f ON f.delivery_log_id = d.id
                WHERE d.event_id = p.id AND f.kind = 'complaint'
                ORDER BY f.received_at DESC LIMIT 1)
             ) t
             WHERE (coalesce(cardinality(w.event_types), 0) = 0 OR t.type = ANY (w.event_types))
               AND CASE WHEN t.type = 'event.complained'
                 THEN NOT EXISTS (SELECT 1 FROM webhook_messages m WHERE m.endpoint_id = w.id AND m.event_id = p.id AND m.type = 'event.complained')
                 ELSE (SELECT m.type FROM webhook_messages m
                       WHERE m.endpoint_id = w.id AND m.event_id = p.id AND m.type NOT IN ('event.complained', 'webhook.test')
                       ORDER BY m.created_at DESC LIMIT 1) IS DISTINCT FROM t.type
               END
           ), inserted AS (
             INSERT INTO webhook_messages (id, endpoint_id, event_id, type, payload)
             SELECT gen_random_uuid(), x.endpoint_id, x.event_id, x.message_type,
                    json_build_object(
                      'type', x.message_type,
                      'timestamp', ${iso('now()')},
                      'data', json_build_object(
                        'id', x.event_id, 'externalId', x.external_id, 'eventType', x.event_type, 'channel', x.channel,
                        'status', x.status, 'reason', x.status_reason,
                        'template', CASE WHEN x.template_name IS NULL THEN NULL ELSE json_build_object('name', x.template_name, 'version', x.template_version) END,
                        'updatedAt', ${iso('x.updated_at')},
                        'complaint', x.complaint))::text
             FROM wanted x
             RETURNING id, attempts, next_attempt_at
           ), moved AS (
             UPDATE archive_acknowledgements a
             SET change_xid = l.change_xid, event_id = l.id, served_change_xid = l.change_xid, served_event_id = l.id, acknowledged_at = now()
             FROM (SELECT change_xid, id FROM page ORDER BY change_xid DESC, id DESC LIMIT 1) l
             WHERE a.consumer = $1
           )
           SELECT (SELECT count(*)::int FROM page) AS read,
                  (SELECT json_agg(json_build_object('id', id, 'attempts', attempts, 'nextAttemptAt', next_attempt_at)) FROM inserted) AS messages`,
    values: [WEBHOOK_FEED_CONSUMER, limit],
  });
  const [row] = rows;
  return { read: row?.read ?? 0, messages: (row?.messages ?? []).map((message) => ({ ...message, nextAttemptAt: new Date(message.nextAttemptAt) })) };
}
