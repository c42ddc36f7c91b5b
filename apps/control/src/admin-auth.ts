import { createHash, timingSafeEqual } from 'node:crypto';
import type { VerifyToken } from '@mc/http';

/**
 * Operators authenticate with the admin token (`MC_ADMIN_TOKEN`); compared in constant time.
 * Without a token configured, every operator request is refused.
 */
export function adminTokenVerifier(adminToken: string | undefined): VerifyToken {
  const expected = adminToken ? createHash('sha256').update(adminToken).digest() : undefined;
  return (token) => {
    if (!expected) return Promise.resolve(undefined);
    const given = createHash('sha256').update(token).digest();
    return Promise.resolve(timingSafeEqual(given, expected) ? { name: 'admin', scopes: new Set(['admin']) } : undefined);
  };
}
