import { staticTokenVerifier, type VerifyToken } from '@mc/http';

/**
 * Operators authenticate with the admin token (`MC_ADMIN_TOKEN`); compared in constant time.
 * Without a token configured, every operator request is refused.
 */
export function adminTokenVerifier(adminToken: string | undefined): VerifyToken {
  return staticTokenVerifier(adminToken, { name: 'admin', scopes: new Set(['admin']) });
}
