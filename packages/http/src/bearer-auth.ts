import type { Request, RequestHandler } from 'express';
import { AppError } from '@mc/domain';

export interface Principal {
  /** Who: an API key's name, `admin`, … (never the secret). */
  name: string;
  scopes: ReadonlySet<string>;
  /** Whose data it writes and reads, when the credential belongs to a producer. */
  producer?: string;
}

/** Resolves a bearer token to its principal, or `undefined` when it is unknown or revoked. */
export type VerifyToken = (token: string) => Promise<Principal | undefined>;

const principals = new WeakMap<Request, Principal>();

export function principalOf(req: Request): Principal {
  const principal = principals.get(req);
  if (!principal) throw new AppError('unauthorized');
  return principal;
}

/**
 * `Authorization: Bearer <token>` → 401 when missing or unknown, 403 when the token has none of
 * `scopes`. The principal is then available through `principalOf(req)`.
 */
export function requireScope(verify: VerifyToken, scopes: string | readonly string[]): RequestHandler {
  const anyOf = typeof scopes === 'string' ? [scopes] : scopes;
  return (req, res, next) => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      next(new AppError('unauthorized', 'Send an API key as "Authorization: Bearer <key>".'));
      return;
    }
    verify(match[1]).then(
      (principal) => {
        if (!principal) {
          res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
          next(new AppError('unauthorized', 'This API key is unknown or revoked.'));
        } else if (!anyOf.some((scope) => principal.scopes.has(scope))) {
          next(new AppError('forbidden', `This key lacks the "${anyOf.join('" or "')}" scope.`));
        } else {
          principals.set(req, principal);
          next();
        }
      },
      (error: unknown) => next(error),
    );
  };
}
