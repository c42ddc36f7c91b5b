import { createHash, randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type pg from 'pg';
import { AppError, SECOND, coerceError } from '@mc/domain';
import { IDEMPOTENCY_KEEP_MS, idempotencyKeySchema } from '@mc/contract';
import { principalOf } from '@mc/http';
import type { Logger } from '@mc/observability';
import { claimIdempotencyKey } from '../sql/claim-idempotency-key';
import { recordIdempotentAnswer } from '../sql/record-idempotent-answer';
import { releaseIdempotencyKey } from '../sql/release-idempotency-key';

/** How long a request holds its key before another request of the same body may take it over (its process died). */
export const IDEMPOTENCY_LEASE_MS = 60 * SECOND;

export interface IdempotencyOptions {
  pool: pg.Pool;
  logger: Logger;
}

/**
 * `Idempotency-Key` on a push (IETF httpapi draft), per producer, after authentication and body
 * parsing. Without the header nothing happens (no query). With it:
 *
 * - a new key is claimed (one statement) and the request runs; a 2xx answer is stored before it
 *   is sent, and replayed for 24 h to the same request — same status, body (byte for byte) and
 *   `Location`, plus `Idempotent-Replayed: true`; any other answer gives the key back, so a retry
 *   after a 400 or a 503 runs again;
 * - the same key with another method, path or body → 422; while its request runs → 409 with
 *   `Retry-After`.
 *
 * The crash window: a process killed after the intake stored the events and before the answer
 * was stored leaves the key in flight; a retry gets 409 until the lease (60 s) ends, then runs the
 * request again — with an `externalId` that returns the stored event, without one the events are
 * stored a second time. A lost answer store (PostgreSQL away at that very moment) is logged and
 * leaves the same window; the answer itself still goes out.
 */
export function idempotentPush(options: IdempotencyOptions): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers['idempotency-key'];
    const producer = principalOf(req).producer;
    if (header === undefined || producer === undefined) return next();
    const parsed = idempotencyKeySchema.safeParse(header);
    if (!parsed.success) {
      throw new AppError('validation_failed', 'Invalid Idempotency-Key header.', {
        fieldErrors: [{ path: 'Idempotency-Key', message: parsed.error.issues.map((issue) => issue.message).join('; ') }],
      });
    }
    const key = parsed.data;
    const requestHash = createHash('sha256').update(`${req.method} ${req.baseUrl}${req.path}\n${JSON.stringify(req.body)}`).digest('base64url');
    const claim = { producer, key, claimToken: randomUUID() };
    const outcome = await claimIdempotencyKey(options.pool, { ...claim, requestHash, leaseMs: IDEMPOTENCY_LEASE_MS, keepMs: IDEMPOTENCY_KEEP_MS });

    if (!outcome.claimed) {
      const { row } = outcome;
      if (row.requestHash !== requestHash) throw new AppError('unprocessable', 'This Idempotency-Key was used with another request (method, path or body); use a new key.');
      if (row.state === 'in_flight' || row.responseStatus === null || row.responseBody === null) {
        res.set('Retry-After', '1');
        throw new AppError('conflict', 'A request with this Idempotency-Key is still in progress; try again in a moment.');
      }
      res.set('Idempotent-Replayed', 'true');
      if (row.responseLocation) res.location(row.responseLocation);
      res.status(row.responseStatus).type('application/json').send(row.responseBody);
      return;
    }

    // The answer, stored (a 2xx) or the key given back (anything else) before it goes out — by
    // this claim only: if its lease was taken over meanwhile, the newer request's claim stands.
    // A client that goes away does not give the key back: the request may still store events,
    // and its retry must wait for that answer (409), not run a second time.
    const send = res.json.bind(res);
    res.json = (body: unknown) => {
      const status = res.statusCode;
      const store =
        status >= 200 && status < 300
          ? recordIdempotentAnswer(options.pool, { ...claim, status, body: JSON.stringify(body), location: res.get('Location') ?? null })
          : releaseIdempotencyKey(options.pool, claim);
      store
        .catch((thrown: unknown) => options.logger.warn('Idempotency-Key answer not stored', { producer, status, error: coerceError(thrown).message }))
        .finally(() => send(body));
      return res;
    };
    next();
  };
}
