/**
 * The data side of `bench/archive-bench.ts`: filling an execution database with final events
 * (one delivery log each), the raw `pg` copy that serves as the baseline, and a summary of a
 * copy to check it against its source.
 */
import type pg from 'pg';

// ---------------------------------------------------------------------------------------------
// Filling the execution database

/**
 * Five event types, weighted by `WEIGHTS` (slot per `i % 10`): what a shop might send. Each
 * row is a type's constants; per-event values are derived from the event's number in SQL.
 */
const TYPES_SQL = `(VALUES
  (0, 'order.shipped',     'rt',    'email', 'order-shipped',     3, 'Your order ORD-%s has shipped'),
  (1, 'invoice.available', 'batch', 'email', 'invoice-available', 2, 'Your invoice INV-%s is available'),
  (2, 'password.reset',    'rt',    'email', 'password-reset',    1, 'Reset your password'),
  (3, 'newsletter.weekly', 'batch', 'email', 'newsletter-weekly', 7, 'This week at Example Shop (#%s)'),
  (4, 'login.otp',         'rt',    'sms',   'login-otp',         1, '')
) AS t(slot, type, kind, channel, template, version, subject)`;
const WEIGHTS = 'ARRAY[0, 0, 0, 1, 1, 2, 3, 3, 3, 4]';

/** A UUIDv7-shaped id (millisecond prefix, version and variant bits) from a time and an md5. */
const uuidv7Sql = (at: string, hash: string, i: string) =>
  `(lpad(to_hex((extract(epoch FROM ${at}) * 1000)::bigint), 12, '0') || '7' || substr(${hash}, 1, 3) || ` +
  `substr('89ab', ${i} % 4 + 1, 1) || substr(${hash}, 4, 15))::uuid`;

const HTML_BODY =
  "'<!doctype html><html><head><meta charset=\"utf-8\"><title>' || subject_text || '</title></head>" +
  '<body style="font-family:Arial,sans-serif;color:#222"><table width="100%" cellpadding="0" cellspacing="0"><tr><td>' +
  "<h1 style=\"font-size:20px\">' || subject_text || '</h1><p>Hello ' || first_name || ',</p>' || " +
  "repeat('<p>Thank you for shopping with Example Shop. You can follow everything about your account and your orders on your customer page.</p>', 5) || " +
  "'<p style=\"font-size:12px;color:#888\">Example Shop, 1 rue de la Paix, 75002 Paris — unsubscribe: https://example.com/u/' || eh || '</p></td></tr></table></body></html>'";
const TEXT_BODY =
  "'Hello ' || first_name || E',\\n\\n' || subject_text || E'.\\n\\n' || " +
  "repeat('Thank you for shopping with Example Shop. ', 4) || E'\\n\\nUnsubscribe: https://example.com/u/' || eh";

/**
 * Events `from`…`to` (inclusive): final status `sent`, one sent delivery log each, in one
 * statement (hence one transaction: one `change_xid` for the chunk, as a status sync would leave).
 * `createdFrom` is the first event's `created_at`; events are 250 ms apart.
 */
function fillSql(): string {
  return `
WITH g AS (
  SELECT i, t.slot, t.type, t.kind, t.channel, t.template, t.version,
         replace(t.subject, '%s', i::text) AS subject_text,
         (ARRAY['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances'])[i % 7 + 1] AS first_name,
         $3::timestamptz + i * interval '250 milliseconds' AS created,
         md5($4 || ':e:' || i) AS eh,
         md5($4 || ':d:' || i) AS dh,
         md5($4 || ':j:' || (i / 1000)) AS jh
  FROM generate_series($1::int, $2::int) AS i
  JOIN ${TYPES_SQL} ON t.slot = (${WEIGHTS})[i % 10 + 1]
), r AS (
  SELECT g.*,
         created + (20 + i % 30) * interval '1 millisecond' AS linked,
         created + (300 + i % 700) * interval '1 millisecond' AS sent,
         created + (1300 + i % 700) * interval '1 millisecond' AS synced,
         ${uuidv7Sql('created', 'eh', 'i')} AS event_id,
         ${uuidv7Sql("created + interval '20 milliseconds'", 'dh', 'i')} AS delivery_id,
         CASE WHEN channel = 'email' THEN 'customer.' || i || '@example.com' END AS email,
         CASE WHEN channel = 'sms' THEN '+336' || lpad((i % 100000000)::text, 8, '0') END AS phone
  FROM g
), inserted AS (
  INSERT INTO events (id, producer, kind, type, channel, email, mobile_phone, external_id, ctx, scheduled_at, expires_at, status, status_reason,
                      template_name, template_version, job_id, attempts, created_at, updated_at, linked_at)
  SELECT event_id, 'bench', kind::"EventKind", type, channel::"Channel", email, phone,
         CASE slot WHEN 0 THEN 'order-' WHEN 1 THEN 'invoice-' WHEN 2 THEN 'reset-' WHEN 3 THEN 'news-' ELSE 'otp-' END || $4 || '-' || i,
         CASE slot
           WHEN 0 THEN jsonb_build_object('orderId', 'ORD-' || i, 'firstName', first_name, 'total', ((i % 997) + 0.9)::text, 'currency', 'EUR', 'items', i % 5 + 1)
           WHEN 1 THEN jsonb_build_object('invoice', 'INV-' || i, 'firstName', first_name, 'amount', (i % 1999) + 0.5, 'locale', 'fr-FR')
           WHEN 2 THEN jsonb_build_object('firstName', first_name, 'resetUrl', 'https://example.com/reset/' || eh)
           WHEN 3 THEN jsonb_build_object('firstName', first_name, 'week', i % 52 + 1, 'segment', 'loyal')
           ELSE jsonb_build_object('code', lpad((i % 1000000)::text, 6, '0'))
         END,
         NULL, CASE WHEN slot IN (2, 4) THEN created + interval '15 minutes' END,
         'sent'::"EventStatus", NULL, template, version,
         CASE WHEN kind = 'rt' THEN event_id::text ELSE (substr(jh, 1, 8) || '-' || substr(jh, 9, 4) || '-7' || substr(jh, 14, 3) || '-8' || substr(jh, 18, 3) || '-' || substr(jh, 21, 12)) END,
         1, synced, synced, linked
  FROM r
  RETURNING 1
)
INSERT INTO delivery_logs (id, event_id, channel, status, recipient, template_name, template_version, subject, html, text, attempts,
                           last_error, provider_message_id, created_at, updated_at, sent_at, synced_at)
SELECT delivery_id, event_id, channel::"Channel", 'sent'::"DeliveryStatus", coalesce(email, phone), template, version,
       subject_text,
       CASE WHEN channel = 'email' THEN ${HTML_BODY} ELSE '' END,
       CASE WHEN channel = 'email' THEN ${TEXT_BODY} ELSE 'Your Example Shop code is ' || lpad((i % 1000000)::text, 6, '0') END,
       CASE WHEN i % 97 = 0 THEN 2 ELSE 1 END,
       CASE WHEN i % 97 = 0 THEN '421 4.7.0 Try again later, closing connection' END,
       CASE WHEN channel = 'email' THEN '<' || delivery_id || '@bench.message-center>' ELSE 'SM' || substr(dh, 1, 32) END,
       linked, sent, sent, synced
FROM r`;
}

export interface FillResult {
  seconds: number;
  eventsBytes: number;
  deliveriesBytes: number;
}

/**
 * `count` events in chunks of `chunk` (one transaction each, `concurrency` at once), then
 * `VACUUM (ANALYZE)`: statistics for the planner, and hint bits and the visibility map set, so
 * that no measured scenario pays for the first read of fresh rows.
 */
export async function fillExecutionDatabase(pool: pg.Pool, count: number, seed: string, chunk = 5_000, concurrency = 2): Promise<FillResult> {
  const started = process.hrtime.bigint();
  const createdFrom = new Date(Date.now() - 3 * 86_400_000).toISOString();
  const chunks = Math.ceil(count / chunk);
  const sql = fillSql();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, chunks) }, async () => {
      for (let index = next++; index < chunks; index = next++) {
        const from = index * chunk;
        const to = Math.min(count, from + chunk) - 1;
        const { rowCount } = await pool.query(sql, [from, to, createdFrom, seed]);
        if (rowCount !== to - from + 1) throw new Error(`filling events ${from}–${to} stored ${String(rowCount)} delivery logs`);
      }
    }),
  );
  await pool.query('VACUUM (ANALYZE) events, delivery_logs');
  const { rows } = await pool.query<{ events: string; deliveries: string }>(
    `SELECT pg_total_relation_size('events') AS events, pg_total_relation_size('delivery_logs') AS deliveries`,
  );
  return {
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    eventsBytes: Number(rows[0]?.events ?? 0),
    deliveriesBytes: Number(rows[0]?.deliveries ?? 0),
  };
}

// ---------------------------------------------------------------------------------------------
// Baseline: the same rows copied with pg alone

const RAW_READ_EVENTS = `SELECT id, producer, kind, type, channel, email, mobile_phone, external_id, status, status_reason, template_name, template_version,
         attempts, scheduled_at, expires_at, created_at, updated_at, linked_at, change_xid::text AS cursor_xid
  FROM events WHERE (change_xid, id) > ($1::bigint, $2::uuid) ORDER BY events.change_xid, events.id LIMIT $3`;
const RAW_READ_DELIVERIES = `SELECT id, event_id, channel, status, recipient, template_name, template_version, attempts, last_error,
         provider_message_id, created_at, updated_at, sent_at
  FROM delivery_logs WHERE event_id = ANY($1::uuid[])`;
const RAW_WRITE_EVENTS = `INSERT INTO archived_events (instance, id, kind, type, channel, email, mobile_phone, external_id, status, status_reason,
         template_name, template_version, attempts, scheduled_at, expires_at, created_at, updated_at, linked_at, sent_at, producer, archived_at)
  SELECT *, now() FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::"Channel"[], $6::text[], $7::text[], $8::text[],
         $9::text[], $10::text[], $11::text[], $12::int[], $13::int[], $14::timestamptz[], $15::timestamptz[], $16::timestamptz[],
         $17::timestamptz[], $18::timestamptz[], $19::timestamptz[], $20::text[])`;
const RAW_WRITE_DELIVERIES = `INSERT INTO archived_deliveries (instance, id, event_id, channel, status, recipient, template_name, template_version,
         attempts, last_error, provider_message_id, created_at, updated_at, sent_at)
  SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::"Channel"[], $5::text[], $6::text[], $7::text[], $8::int[],
         $9::int[], $10::text[], $11::text[], $12::timestamptz[], $13::timestamptz[], $14::timestamptz[])`;

type Row = Record<string, unknown>;
const column = (rows: readonly Row[], name: string) => rows.map((row) => row[name]);

export interface RawCopyResult {
  events: number;
  deliveries: number;
  pages: number;
  seconds: number;
  /** Seconds spent reading from the source and writing to the target. */
  readSeconds: number;
  writeSeconds: number;
}

/**
 * Copies every event (and its delivery logs) of `source` into `target`'s archive tables, in
 * keyset pages of `pageSize` over the feed's own index `(change_xid, id)`, one transaction per
 * page with two multi-row unnest INSERTs: no HTTP, no JSON, no validation, no cursor bookkeeping.
 */
export async function rawCopy(source: pg.Pool, target: pg.Pool, instance: string, pageSize: number): Promise<RawCopyResult> {
  const result: RawCopyResult = { events: 0, deliveries: 0, pages: 0, seconds: 0, readSeconds: 0, writeSeconds: 0 };
  const since = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
  const started = process.hrtime.bigint();
  let after = { xid: '-1', id: '00000000-0000-0000-0000-000000000000' };
  for (;;) {
    const readStart = process.hrtime.bigint();
    const { rows: events } = await source.query<Row>({ name: 'bench_raw_events', text: RAW_READ_EVENTS, values: [after.xid, after.id, pageSize] });
    if (events.length === 0) {
      result.readSeconds += since(readStart);
      break;
    }
    const ids = column(events, 'id');
    const { rows: deliveries } = await source.query<Row>({ name: 'bench_raw_deliveries', text: RAW_READ_DELIVERIES, values: [ids] });
    result.readSeconds += since(readStart);

    const writeStart = process.hrtime.bigint();
    const sentAt = new Map<unknown, Date>();
    for (const delivery of deliveries) {
      const sent = delivery.sent_at as Date | null;
      const latest = sentAt.get(delivery.event_id);
      if (sent && (!latest || sent > latest)) sentAt.set(delivery.event_id, sent);
    }
    const client = await target.connect();
    try {
      await client.query('BEGIN');
      await client.query({
        name: 'bench_raw_write_events',
        text: RAW_WRITE_EVENTS,
        values: [
          events.map(() => instance),
          ...['id', 'kind', 'type', 'channel', 'email', 'mobile_phone', 'external_id', 'status', 'status_reason', 'template_name', 'template_version',
            'attempts', 'scheduled_at', 'expires_at', 'created_at', 'updated_at', 'linked_at'].map((name) => column(events, name)),
          ids.map((id) => sentAt.get(id) ?? null),
          column(events, 'producer'),
        ],
      });
      if (deliveries.length > 0) {
        await client.query({
          name: 'bench_raw_write_deliveries',
          text: RAW_WRITE_DELIVERIES,
          values: [
            deliveries.map(() => instance),
            ...['id', 'event_id', 'channel', 'status', 'recipient', 'template_name', 'template_version', 'attempts', 'last_error', 'provider_message_id',
              'created_at', 'updated_at', 'sent_at'].map((name) => column(deliveries, name)),
          ],
        });
      }
      await client.query('COMMIT');
    } catch (thrown) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw thrown;
    } finally {
      client.release();
    }
    result.writeSeconds += since(writeStart);
    result.pages += 1;
    result.events += events.length;
    result.deliveries += deliveries.length;
    const last = events[events.length - 1] as Row;
    after = { xid: last.cursor_xid as string, id: last.id as string };
    if (events.length < pageSize) break;
  }
  result.seconds = since(started);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Checking a copy

/**
 * One line per type and status with counts and sums that any lost or garbled row would change:
 * the same text for the execution database (`side: 'source'`) and an archive (`'archive'`).
 */
export async function summarize(pool: pg.Pool, side: 'source' | 'archive', instance?: string): Promise<string> {
  const [events, deliveries, where] =
    side === 'source' ? ['events', 'delivery_logs', ''] : ['archived_events', 'archived_deliveries', 'WHERE e.instance = $1 AND d.instance = $1'];
  const { rows } = await pool.query<{ line: string }>(
    `SELECT e.type || '/' || e.status::text || '/' || e.channel::text || ': ' || count(*) || ' events, ' || count(d.id) || ' deliveries, attempts ' ||
            sum(e.attempts + d.attempts) || ', template versions ' || sum(e.template_version) || ', emails ' || count(e.email) ||
            ', phones ' || count(e.mobile_phone) || ', errors ' || count(d.last_error) || ', ' ||
            md5(string_agg(e.id::text || d.id::text || e.created_at::text || d.sent_at::text || coalesce(d.provider_message_id, ''), ',' ORDER BY e.id)) AS line
     FROM ${events} e JOIN ${deliveries} d ON d.event_id = e.id ${where}
     GROUP BY e.type, e.status, e.channel ORDER BY 1`,
    side === 'source' ? [] : [instance],
  );
  return rows.map((row) => row.line).join('\n');
}
