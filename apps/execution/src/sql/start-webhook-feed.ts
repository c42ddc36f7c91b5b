import type pg from 'pg';
import { WEBHOOK_FEED_CONSUMER } from './fan-out-webhook-messages';

/**
 * Gives the webhook fan-out its cursor, at the head of the change feed, the first time (what
 * changed before webhooks existed is not told); and, while no endpoint is enabled anywhere,
 * keeps it at the head (nothing is read that nobody wants). The head: the newest change of a
 * transaction older than every running one (what the feed may serve).
 */
export async function startWebhookFeed(client: pg.PoolClient): Promise<void> {
  await client.query({
    name: 'mc_start_webhook_feed',
    text: `WITH head AS (
             SELECT change_xid, id FROM events
             WHERE change_xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
             ORDER BY change_xid DESC, id DESC LIMIT 1
           ), start AS (
             SELECT coalesce((SELECT change_xid FROM head), -1) AS change_xid,
                    coalesce((SELECT id FROM head), '00000000-0000-0000-0000-000000000000'::uuid) AS id
           )
           INSERT INTO archive_acknowledgements AS a (consumer, change_xid, event_id, served_change_xid, served_event_id)
           SELECT $1, change_xid, id, change_xid, id FROM start
           ON CONFLICT (consumer) DO UPDATE
             SET change_xid = EXCLUDED.change_xid, event_id = EXCLUDED.event_id,
                 served_change_xid = EXCLUDED.change_xid, served_event_id = EXCLUDED.event_id, acknowledged_at = now()
             WHERE NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled)
               AND (a.change_xid, a.event_id) < (EXCLUDED.change_xid, EXCLUDED.event_id)`,
    values: [WEBHOOK_FEED_CONSUMER],
  });
}
