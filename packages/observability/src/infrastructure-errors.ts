import { AppError, isError } from '@mc/domain';

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

/** Prisma's connection-level errors (P1xxx), pool timeout (P2024) and a transaction that could not start in time (P2028). */
const PRISMA_UNAVAILABLE = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);

/** Kinds of `@prisma/adapter-pg` errors that mean "the database is away", not "the query is wrong". */
const ADAPTER_UNAVAILABLE = new Set(['DatabaseNotReachable', 'SocketTimeout', 'TooManyConnections', 'ConnectionClosed', 'TransactionWriteConflict']);

function fieldOf(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && key in value ? (value as Record<string, unknown>)[key] : undefined;
}

function codeOf(error: unknown): string | undefined {
  const code = fieldOf(error, 'code');
  return typeof code === 'string' ? code : undefined;
}

/**
 * What a driver error says, wherever the driver put it: a `pg` error carries the SQL state in
 * `code`; Prisma wraps a driver-adapter error as `P2039`-style errors with the SQL state (or the
 * adapter's kind) in `meta.driverAdapterError.cause`, not in `cause`.
 */
function driverCodesOf(error: unknown): { sqlState?: string; adapterKind?: string; code?: string } {
  const adapterCause = fieldOf(fieldOf(fieldOf(error, 'meta'), 'driverAdapterError'), 'cause');
  if (adapterCause !== undefined) {
    const sqlState = fieldOf(adapterCause, 'originalCode') ?? fieldOf(adapterCause, 'code');
    const kind = fieldOf(adapterCause, 'kind');
    return {
      sqlState: typeof sqlState === 'string' ? sqlState : undefined,
      adapterKind: typeof kind === 'string' ? kind : undefined,
      code: codeOf(error),
    };
  }
  const code = codeOf(error);
  // A pg DatabaseError has a severity; its code is then a SQL state (not a Node or Prisma code).
  return fieldOf(error, 'severity') !== undefined ? { sqlState: code, code } : { code };
}

/** The chain of causes of an error, at most a few deep. */
function* causesOf(thrown: unknown): Generator<unknown> {
  for (let error: unknown = thrown, depth = 0; error !== undefined && depth < 5; depth++) {
    yield error;
    error = isError(error) ? error.cause : undefined;
  }
}

/** SQL states PostgreSQL raises for a connection it lost, refused or is shutting down. */
const UNAVAILABLE_SQL_STATE = /^(08|53)[0-9A-Z]{3}$|^57P0[1-3]$/;
/** SQL states for values PostgreSQL cannot store: class 22 (data exception), 54000 (e.g. an index row too large). */
const DATA_SQL_STATE = /^22[0-9A-Z]{3}$|^54000$/;

/**
 * Is this driver error worth retrying (the database, Redis or a socket is away for now)?
 * PostgreSQL SQLSTATE classes 08 (connection), 53 (resources) and 57P0x (shutdown, recovery),
 * deadlocks and serialization failures, Prisma's P1xxx and the adapter's connection kinds, Node
 * network codes and ioredis' closed-connection errors are; everything else is not.
 */
export function isTransientInfrastructureError(thrown: unknown): boolean {
  for (const error of causesOf(thrown)) {
    const { sqlState, adapterKind, code } = driverCodesOf(error);
    if (sqlState !== undefined && (UNAVAILABLE_SQL_STATE.test(sqlState) || sqlState === '40P01' || sqlState === '40001')) return true;
    if (adapterKind !== undefined && ADAPTER_UNAVAILABLE.has(adapterKind)) return true;
    if (code !== undefined && (NETWORK_CODES.has(code) || PRISMA_UNAVAILABLE.has(code) || UNAVAILABLE_SQL_STATE.test(code))) return true;
    const message = isError(error) ? error.message : '';
    if (/Connection is closed|Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|MaxRetriesPerRequest|Stream isn't writeable/i.test(message)) {
      return true;
    }
  }
  return false;
}

/**
 * Which backing service an infrastructure error is about, for the log ("PostgreSQL is back"):
 * PostgreSQL for SQL states, Prisma and adapter codes and pg's messages; Redis for ioredis'.
 */
export function unavailableDependencyOf(thrown: unknown): 'PostgreSQL' | 'Redis' | undefined {
  if (!isTransientInfrastructureError(thrown)) return undefined;
  for (const error of causesOf(thrown)) {
    const { sqlState, adapterKind, code } = driverCodesOf(error);
    if (sqlState !== undefined || adapterKind !== undefined || (code !== undefined && /^P\d{4}$/.test(code))) return 'PostgreSQL';
    const message = isError(error) ? error.message : '';
    if (/Connection is closed|MaxRetriesPerRequest|Stream isn't writeable|Command timed out/i.test(message)) return 'Redis';
    if (/Connection terminated|timeout exceeded when trying to connect|database|postgres/i.test(message)) return 'PostgreSQL';
  }
  return undefined;
}

/** The SQL state of a data error PostgreSQL raised (the value, not the query, was at fault). */
function dataErrorOf(thrown: unknown): { sqlState: string; message: string } | undefined {
  for (const error of causesOf(thrown)) {
    const { sqlState } = driverCodesOf(error);
    if (sqlState !== undefined && DATA_SQL_STATE.test(sqlState)) {
      const adapterMessage = fieldOf(fieldOf(fieldOf(fieldOf(error, 'meta'), 'driverAdapterError'), 'cause'), 'message');
      return { sqlState, message: typeof adapterMessage === 'string' ? adapterMessage : isError(error) ? error.message : 'invalid value' };
    }
  }
  return undefined;
}

/**
 * One place that turns anything thrown into an `AppError`: known ones pass through, values
 * PostgreSQL refused become `validation_failed` (400), transient infrastructure errors
 * `unavailable` (503, retryable), the rest `internal`.
 */
export function classifyError(thrown: unknown): AppError {
  if (thrown instanceof AppError) return thrown;
  const data = dataErrorOf(thrown);
  if (data) {
    return new AppError('validation_failed', `A value could not be stored: ${data.message}`, {
      cause: thrown,
      fieldErrors: [{ path: '', message: data.message }],
    });
  }
  if (isTransientInfrastructureError(thrown)) {
    return new AppError('unavailable', 'A backing service (PostgreSQL or Redis) is unavailable; retry later.', {
      cause: thrown,
    });
  }
  return new AppError('internal', 'Internal error.', { cause: thrown, retryable: false });
}
