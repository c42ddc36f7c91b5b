import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Principal } from '@mc/http';
import { createSoapSession } from '../sql/create-soap-session';
import { deleteSoapSession } from '../sql/delete-soap-sessions';
import { findSoapSession } from '../sql/find-soap-session';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/** What Logon hands back: a session token and the security token that must come with it; the session is the key's (its hash). */
export async function openSoapSession(pool: pg.Pool, keyHash: string, login: string, ttlMs: number): Promise<{ sessionToken: string; securityToken: string }> {
  const sessionToken = `mcs_${randomBytes(24).toString('base64url')}`;
  const securityToken = `mcx_${randomBytes(24).toString('base64url')}`;
  await createSoapSession(pool, { tokenHash: hash(sessionToken), securityTokenHash: hash(securityToken), keyHash, login: login.slice(0, 256), ttlMs });
  return { sessionToken, securityToken };
}

/** The session's principal; `expired` when it ended (the caller logs on again), undefined when unknown or its key is revoked. */
export async function soapSessionPrincipal(pool: pg.Pool, sessionToken: string, securityToken: string): Promise<{ principal: Principal; login: string } | 'expired' | undefined> {
  const row = await findSoapSession(pool, hash(sessionToken), hash(securityToken));
  if (!row) return undefined;
  if (row.expired) return 'expired';
  return { principal: { name: row.keyName, producer: row.producer, scopes: new Set(row.scopes) }, login: row.login };
}

export async function closeSoapSession(pool: pg.Pool, sessionToken: string): Promise<void> {
  await deleteSoapSession(pool, hash(sessionToken));
}

/** Tokens this surface issued (a `login/password` session token of ACC's own kind has a slash). */
export function isIssuedSessionToken(token: string): boolean {
  return token.startsWith('mcs_') && !token.includes('/');
}
