import type pg from 'pg';

/** Gives a claimed key back (its request failed: nothing to replay, a retry runs it again). */
export async function releaseIdempotencyKey(pool: pg.Pool, claim: { producer: string; key: string; requestHash: string }): Promise<void> {
  await pool.query({
    name: 'mc_release_idempotency_key',
    text: `DELETE FROM idempotency_keys WHERE producer = $1 AND key = $2 AND request_hash = $3 AND state = 'in_flight'`,
    values: [claim.producer, claim.key, claim.requestHash],
  });
}
