import type pg from 'pg';

export interface SoapSessionRow {
  login: string;
  expired: boolean;
  keyName: string;
  producer: string;
  scopes: string[];
}

/** A session by its token and security token, with its API key (undefined when either is unknown, or the key is revoked or replaced). */
export async function findSoapSession(pool: pg.Pool, tokenHash: string, securityTokenHash: string): Promise<SoapSessionRow | undefined> {
  const { rows } = await pool.query<SoapSessionRow>({
    name: 'mc_find_soap_session',
    text: `SELECT s.login, s.expires_at <= now() AS expired, k.name AS "keyName", k.producer, k.scopes
           FROM soap_sessions s JOIN api_keys k ON k.hash = s.key_hash AND k.revoked_at IS NULL
           WHERE s.token_hash = $1 AND s.security_token_hash = $2`,
    values: [tokenHash, securityTokenHash],
  });
  return rows[0];
}
