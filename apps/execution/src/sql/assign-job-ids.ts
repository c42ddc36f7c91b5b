import type pg from 'pg';

/** Records the new job id of each rescued event (those still waiting for their job). */
export async function assignJobIds(pool: pg.Pool, eventIds: readonly string[], jobIds: readonly string[]): Promise<void> {
  await pool.query(
    `UPDATE events e SET job_id = r.job_id FROM unnest($1::uuid[], $2::text[]) AS r(id, job_id)
       WHERE e.id = r.id AND e.status IN ('pending', 'pending_delivery')`,
    [eventIds, jobIds],
  );
}
