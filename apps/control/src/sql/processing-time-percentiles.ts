import type { Queryable } from './queryable';

export interface ProcessingTimeRow {
  type: string;
  sent: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** Processing time (received → sent) percentiles per event type, over the archived events sent. */
export async function processingTimePercentiles(db: Queryable): Promise<ProcessingTimeRow[]> {
  const { rows } = await db.query<ProcessingTimeRow>(
      `SELECT type, count(*)::int AS sent,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS "p50Ms",
              percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS "p95Ms",
              percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS "p99Ms"
       FROM (SELECT type, extract(epoch FROM sent_at - created_at) * 1000 AS ms FROM archived_events WHERE sent_at IS NOT NULL) t
       GROUP BY type ORDER BY type`,
  );
  return rows;
}
