import type pg from 'pg';

export interface IdempotencyKeyRow {
  requestHash: string;
  state: 'in_flight' | 'done';
  responseStatus: number | null;
  responseBody: string | null;
  responseLocation: string | null;
}

/**
 * Takes a producer's key for a request, in one statement: a new key; or one whose 24 hours are
 * over; or one left in flight by a request of the same body whose lease has ended (its process
 * died before answering). Answers `claimed: true` then; otherwise the row as it stands (another
 * body, still in flight, or answered), for the caller to say which.
 */
export async function claimIdempotencyKey(
  pool: pg.Pool,
  claim: { producer: string; key: string; requestHash: string; claimToken: string; leaseMs: number; keepMs: number },
): Promise<{ claimed: true } | { claimed: false; row: IdempotencyKeyRow }> {
  const { rows } = await pool.query<IdempotencyKeyRow & { claimed: boolean }>({
    name: 'mc_claim_idempotency_key',
    text: `WITH claimed AS (
             INSERT INTO idempotency_keys (producer, key, request_hash, locked_until, claim_token)
             VALUES ($1, $2, $3, now() + make_interval(secs => $4::double precision / 1000), $6)
             ON CONFLICT (producer, key) DO UPDATE
               SET request_hash = EXCLUDED.request_hash, state = 'in_flight', locked_until = EXCLUDED.locked_until, claim_token = EXCLUDED.claim_token,
                   response_status = NULL, response_body = NULL, response_location = NULL, created_at = now()
               WHERE idempotency_keys.created_at < now() - make_interval(secs => $5::double precision / 1000)
                  OR (idempotency_keys.state = 'in_flight' AND idempotency_keys.locked_until < now() AND idempotency_keys.request_hash = EXCLUDED.request_hash)
             RETURNING true AS claimed
           )
           SELECT true AS claimed, NULL AS "requestHash", NULL AS state, NULL::int AS "responseStatus", NULL::text AS "responseBody", NULL AS "responseLocation"
           FROM claimed
           UNION ALL
           SELECT false, request_hash, state, response_status, response_body, response_location
           FROM idempotency_keys WHERE producer = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM claimed)`,
    values: [claim.producer, claim.key, claim.requestHash, claim.leaseMs, claim.keepMs, claim.claimToken],
  });
  const [row] = rows;
  // No row at all: a concurrent request inserted the key after this statement's snapshot was
  // taken (ON CONFLICT waited for it, the SELECT cannot see it). Asked again, it is there.
  if (!row) return claimIdempotencyKey(pool, claim);
  if (row.claimed) return { claimed: true };
  const { claimed: _claimed, ...existing } = row;
  return { claimed: false, row: existing };
}
