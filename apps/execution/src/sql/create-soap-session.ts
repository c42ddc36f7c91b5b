import type pg from 'pg';

/** Stores a new SOAP session (its tokens as hashes), valid for `ttlMs`. */
export async function createSoapSession(pool: pg.Pool, session: { tokenHash: string; securityTokenHash: string; keyHash: string; login: string; ttlMs: number }): Promise<void> {
  await pool.query({
    name: 'mc_create_soap_session',
    text: `INSERT INTO soap_sessions (token_hash, security_token_hash, key_hash, login, expires_at)
           VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::double precision / 1000))`,
    values: [session.tokenHash, session.securityTokenHash, session.keyHash, session.login, session.ttlMs],
  });
}
