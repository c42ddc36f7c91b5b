import type pg from 'pg';
import type { DeliveryLease } from './rows';

/** Extends the lease of deliveries this worker is still sending (its heartbeat while alive). */
export async function renewDeliveryLeases(pool: pg.Pool, deliveryLogIds: readonly string[], lease: DeliveryLease): Promise<void> {
  if (deliveryLogIds.length === 0) return;
  await pool.query({
    name: 'mc_renew_leases',
    text: `UPDATE delivery_logs SET locked_until = now() + make_interval(secs => $2::double precision / 1000)
           WHERE id = ANY($1::uuid[]) AND status::text = 'pending' AND locked_by = $3`,
    values: [deliveryLogIds, lease.ms, lease.holder],
  });
}
