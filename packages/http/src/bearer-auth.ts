import type { Request, RequestHandler } from 'express';
import { AppError } from '@mc/domain';

export interface Principal {
  /** Who: an API key's name, `admin`, … (never the secret). */
  name: string;
  scopes: ReadonlySet<string>;
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
 * `Authorization: Bearer <token>` → 401 when missing or unknown, 403 when the token lacks
 * `scope`. The principal is then available through `principalOf(req)`.
 */
export function requireScope(verify: VerifyToken, scope: string): RequestHandler {
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
        } else if (!principal.scopes.has(scope)) {
          next(new AppError('forbidden', `This key lacks the "${scope}" scope.`));
        } else {
          principals.set(req, principal);
          next();
        }
      },
      (error: unknown) => next(error),
    );
  };
}
