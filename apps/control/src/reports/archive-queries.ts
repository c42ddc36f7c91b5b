import type pg from 'pg';
import { z } from 'zod';
import { UUID_PATTERN, dateTime, isStorableDate, isStorableText, text } from '@mc/domain';

export const archiveEventsQuerySchema = z.strictObject({
  instance: text().min(1).max(63).optional(),
  producer: text().min(1).max(64).optional(),
  type: text().min(1).max(64).optional(),
  status: text().min(1).max(64).optional(),
  from: dateTime().optional(),
  to: dateTime().optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  cursor: z
    .string()
    .transform((value, context) => {
      const [createdAt, instance, id] = Buffer.from(value, 'base64url').toString('utf8').split('|');
      if (!createdAt || !instance || !isStorableText(instance) || !id || !UUID_PATTERN.test(id) || !isStorableDate(new Date(createdAt))) {
        context.addIssue({ code: 'custom', message: 'is not a cursor this API gave' });
        return z.NEVER;
      }
      return { createdAt: new Date(createdAt), instance, id };
    })
    .optional(),
});
export type ArchiveEventsQuery = z.output<typeof archiveEventsQuerySchema>;

/** Archived events, newest first, filtered; `nextCursor` is null on the last page. */
export async function listArchivedEvents(pool: pg.Pool, query: ArchiveEventsQuery) {
  const { rows } = await pool.query<Record<string, unknown> & { instance: string; id: string; createdAt: Date }>(
    `SELECT instance, id, producer, kind, type, channel, email, mobile_phone AS "mobilePhone", external_id AS "externalId", status,
            status_reason AS "statusReason", template_name AS "templateName", template_version AS "templateVersion", attempts,
            scheduled_at AS "scheduledAt", expires_at AS "expiresAt", created_at AS "createdAt", updated_at AS "updatedAt",
            linked_at AS "linkedAt", sent_at AS "sentAt", archived_at AS "archivedAt"
     FROM archived_events
     WHERE ($1::text IS NULL OR instance = $1) AND ($2::text IS NULL OR type = $2) AND ($3::text IS NULL OR status = $3)
       AND ($4::timestamptz IS NULL OR created_at >= $4) AND ($5::timestamptz IS NULL OR created_at < $5)
       AND ($6::timestamptz IS NULL OR (created_at, instance, id) < ($6::timestamptz, $7::text, $8::uuid))
       AND ($10::text IS NULL OR producer = $10)
     ORDER BY created_at DESC, instance DESC, id DESC
     LIMIT $9`,
    [
      query.instance ?? null,
      query.type ?? null,
      query.status ?? null,
      query.from ?? null,
      query.to ?? null,
      query.cursor?.createdAt ?? null,
      query.cursor?.instance ?? null,
      query.cursor?.id ?? null,
      query.limit + 1,
      query.producer ?? null,
    ],
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page,
    nextCursor:
      rows.length > query.limit && last ? Buffer.from(`${last.createdAt.toISOString()}|${last.instance}|${last.id}`).toString('base64url') : null,
  };
}

/** Counts by instance × type × status, and processing time (received → sent) percentiles per type. */
export async function summaryReport(pool: pg.Pool) {
  const [counts, timings] = await Promise.all([
    pool.query<{ instance: string; type: string; status: string; count: number }>(
      `SELECT instance, type, status, count(*)::int AS count FROM archived_events GROUP BY instance, type, status ORDER BY instance, type, status`,
    ),
    pool.query<{ type: string; sent: number; p50Ms: number; p95Ms: number; p99Ms: number }>(
      `SELECT type, count(*)::int AS sent,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS "p50Ms",
              percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS "p95Ms",
              percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS "p99Ms"
       FROM (SELECT type, extract(epoch FROM sent_at - created_at) * 1000 AS ms FROM archived_events WHERE sent_at IS NOT NULL) t
       GROUP BY type ORDER BY type`,
    ),
  ]);
  return { counts: counts.rows, processingTime: timings.rows };
}
