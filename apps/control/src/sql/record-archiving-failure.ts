import type { Queryable } from './queryable';

/** Stamps the end of an archiving run that failed, with its error. */
export async function recordArchivingFailure(db: Queryable, instance: string, message: string): Promise<void> {
  await db.query({
    name: 'mc_record_archiving_failure',
    text: 'UPDATE execution_instances SET last_run_at = now(), last_error = $2 WHERE name = $1',
    values: [instance, message],
  });
}
