import type pg from 'pg';
import { deliveriesOfEvents } from './rows';

/** Gives up on the still-pending, unheld delivery logs of these events (their job is out of attempts). */
export async function failAbandonedDeliveries(pool: pg.Pool, eventIds: readonly string[], reason: string): Promise<number> {
  const { rowCount } = await pool.query(
    `UPDATE delivery_logs SET status = 'failed', last_error = $2, locked_until = NULL, updated_at = now()
     WHERE ${deliveriesOfEvents('$1')} AND status::text = 'pending' AND (locked_until IS NULL OR locked_until < now())`,
    [eventIds, reason],
  );
  return rowCount ?? 0;
}
