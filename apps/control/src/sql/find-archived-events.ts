import type { Queryable } from './queryable';

/** An archived event as the reports API shows it (camelCase columns). */
export type ArchivedEventItem = Record<string, unknown> & { instance: string; id: string; createdAt: Date };

/** What archived events are looked for; every filter is optional, `after` is the last one of the previous page. */
export interface ArchivedEventsFilter {
  instance?: string;
  producer?: string;
  type?: string;
  status?: string;
  from?: Date;
  to?: Date;
  after?: { createdAt: Date; instance: string; id: string };
}

/** Archived events, newest first (then by instance and id, the page cursor's order), at most `limit`. */
export async function findArchivedEvents(db: Queryable, filter: ArchivedEventsFilter, limit: number): Promise<ArchivedEventItem[]> {
  const { rows } = await db.query<ArchivedEventItem>(
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
      filter.instance ?? null,
      filter.type ?? null,
      filter.status ?? null,
      filter.from ?? null,
      filter.to ?? null,
      filter.after?.createdAt ?? null,
      filter.after?.instance ?? null,
      filter.after?.id ?? null,
      limit,
      filter.producer ?? null,
    ],
  );
  return rows;
}
