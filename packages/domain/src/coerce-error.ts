import { types } from 'node:util';
import { AppError } from './errors';

/** `instanceof Error` fails for errors made in another realm (a vm context, jest); this does not. */
export function isError(thrown: unknown): thrown is Error {
  return thrown instanceof Error || types.isNativeError(thrown);
}

/** Whatever was thrown, as an `Error`: used at every `catch`. */
export function coerceError(thrown: unknown): Error {
  if (isError(thrown)) return thrown;
  if (typeof thrown === 'string') return new Error(thrown);
  try {
    return new Error(JSON.stringify(thrown));
  } catch {
    return new Error(String(thrown));
  }
}

/** Network errors of Node's sockets: the peer is away, try again later. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Prisma's connection-level errors (P1xxx) and pool timeout (P2024). */
const PRISMA_UNAVAILABLE = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);

function codeOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/**
 * Is this driver error worth retrying (the database, Redis or a socket is away for now)?
 * PostgreSQL SQLSTATE classes 08 (connection), 53 (resources) and 57P0x (shutdown), Prisma's
 * P1xxx, Node network codes and ioredis' closed-connection errors are; everything else is not.
 */
export function isTransientInfrastructureError(thrown: unknown): boolean {
  for (let error: unknown = thrown, depth = 0; error !== undefined && depth < 5; depth++) {
    const code = codeOf(error);
    if (code !== undefined) {
      if (NETWORK_CODES.has(code) || PRISMA_UNAVAILABLE.has(code)) return true;
      if (/^(08|53)[0-9A-Z]{3}$/.test(code) || /^57P0[1-3]$/.test(code)) return true;
      // Deadlock and serialization failure: the same statement succeeds when tried again.
      if (code === '40P01' || code === '40001') return true;
    }
    const message = isError(error) ? error.message : '';
    if (/Connection is closed|Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|MaxRetriesPerRequest|Stream isn't writeable/i.test(message)) {
      return true;
    }
    error = isError(error) ? error.cause : undefined;
  }
  return false;
}

/**
 * One place that turns anything thrown into an `AppError`: known ones pass through, transient
 * infrastructure errors become `unavailable` (503, retryable), the rest `internal`.
 */
export function classifyError(thrown: unknown): AppError {
  if (thrown instanceof AppError) return thrown;
  // SQLSTATE class 22 (data exception): PostgreSQL refused a value the request carried.
  const code = codeOf(thrown);
  if (code !== undefined && /^22[0-9A-Z]{3}$/.test(code)) {
    const detail = isError(thrown) ? thrown.message : 'invalid value';
    return new AppError('validation_failed', `A value could not be stored: ${detail}`, {
      cause: thrown,
      fieldErrors: [{ path: '', message: detail }],
    });
  }
  if (isTransientInfrastructureError(thrown)) {
    return new AppError('unavailable', 'A backing service (PostgreSQL or Redis) is unavailable; retry later.', {
      cause: thrown,
    });
  }
  return new AppError('internal', 'Internal error.', { cause: thrown, retryable: false });
}
