import type pg from 'pg';

/** Ends one session (Logoff). */
export async function deleteSoapSession(pool: pg.Pool, tokenHash: string): Promise<void> {
  await pool.query({ name: 'mc_delete_soap_session', text: 'DELETE FROM soap_sessions WHERE token_hash = $1', values: [tokenHash] });
}

/** Deletes at most `batchSize` sessions expired for a day (the purge job). */
export async function deleteExpiredSoapSessions(pool: pg.Pool, batchSize: number): Promise<number> {
  const { rowCount } = await pool.query(
    `DELETE FROM soap_sessions WHERE token_hash IN (SELECT token_hash FROM soap_sessions WHERE expires_at < now() - interval '1 day' LIMIT $1)`,
    [batchSize],
  );
  return rowCount ?? 0;
}
