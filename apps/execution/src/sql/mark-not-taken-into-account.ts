import type pg from 'pg';
import { unnestColumns } from '@mc/db';

/** `pending → not_taken_into_account`, one reason per event. */
export async function markNotTakenIntoAccount(pool: pg.Pool, rejections: ReadonlyArray<{ id: string; reason: string }>): Promise<number> {
  if (rejections.length === 0) return 0;
  const { rowCount } = await pool.query({
    name: 'mc_mark_not_taken',
    text: `UPDATE events e SET status = 'not_taken_into_account', status_reason = r.reason, updated_at = now()
     FROM unnest($1::uuid[], $2::text[]) AS r(id, reason)
     WHERE e.id = r.id AND e.status::text = 'pending'`,
    values: unnestColumns(rejections, ['id', 'reason']),
  });
  return rowCount ?? 0;
}
