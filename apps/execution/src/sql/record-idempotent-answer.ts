import type pg from 'pg';

/** The answer to a claimed key, kept for its retries: the request is done (only while this claim still holds the key). */
export async function recordIdempotentAnswer(
  pool: pg.Pool,
  answer: { producer: string; key: string; claimToken: string; status: number; body: string; location: string | null },
): Promise<void> {
  await pool.query({
    name: 'mc_record_idempotent_answer',
    text: `UPDATE idempotency_keys SET state = 'done', response_status = $4, response_body = $5, response_location = $6
           WHERE producer = $1 AND key = $2 AND claim_token = $3 AND state = 'in_flight'`,
    values: [answer.producer, answer.key, answer.claimToken, answer.status, answer.body, answer.location],
  });
}
