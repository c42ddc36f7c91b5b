import type pg from 'pg';

/** Gives a claimed key back (its request failed: nothing to replay, a retry runs it again), if this claim still holds it. */
export async function releaseIdempotencyKey(pool: pg.Pool, claim: { producer: string; key: string; claimToken: string }): Promise<void> {
  await pool.query({
    name: 'mc_release_idempotency_key',
    text: `DELETE FROM idempotency_keys WHERE producer = $1 AND key = $2 AND claim_token = $3 AND state = 'in_flight'`,
    values: [claim.producer, claim.key, claim.claimToken],
  });
}
