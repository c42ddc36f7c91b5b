import { createHash, timingSafeEqual } from 'node:crypto';
import type { Principal, VerifyToken } from './bearer-auth';

/**
 * A verifier for one token given in the environment (the admin token, the metrics token),
 * compared in constant time. Without a token configured, every token is refused.
 */
export function staticTokenVerifier(token: string | undefined, principal: Principal): VerifyToken {
  const expected = token ? createHash('sha256').update(token).digest() : undefined;
  return (given) => {
    if (!expected) return Promise.resolve(undefined);
    return Promise.resolve(timingSafeEqual(createHash('sha256').update(given).digest(), expected) ? principal : undefined);
  };
}
