import type { Queryable } from './queryable';

/** Stamps the end of an archiving run that did not fail. */
export async function recordArchivingRun(db: Queryable, instance: string): Promise<void> {
  await db.query({ name: 'mc_record_archiving_run', text: 'UPDATE execution_instances SET last_run_at = now() WHERE name = $1', values: [instance] });
}
