import type { z } from 'zod';

/** The closed set of error codes; each has one HTTP status (problem+json `status`). */
export const ERROR_STATUS = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  headers_too_large: 431,
  internal: 500,
  unavailable: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

const TITLES: Record<ErrorCode, string> = {
  validation_failed: 'Your request is not valid.',
  unauthorized: 'Missing or invalid credentials.',
  forbidden: 'These credentials may not do this.',
  not_found: 'Not found.',
  method_not_allowed: 'This method is not allowed here.',
  request_timeout: 'The request took too long to arrive.',
  conflict: 'Conflict with the current state.',
  payload_too_large: 'The request body is too large.',
  unsupported_media_type: 'The request body must be JSON.',
  unprocessable: 'The request is valid but cannot be processed.',
  rate_limited: 'Too many requests.',
  headers_too_large: 'The request headers are too large.',
  internal: 'Internal error.',
  unavailable: 'The service is temporarily unavailable.',
};

export interface FieldError {
  /** Dotted path into the body, e.g. `events.3.email`; empty for the body itself. */
  path: string;
  message: string;
}

export interface AppErrorOptions {
  retryable?: boolean;
  fieldErrors?: FieldError[];
  cause?: unknown;
}

/** The one error type the inside of the system throws on purpose: errors are data. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly fieldErrors: FieldError[];

  constructor(code: ErrorCode, message: string = TITLES[code], options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.retryable = options.retryable ?? code === 'unavailable';
    this.fieldErrors = options.fieldErrors ?? [];
  }

  static fromZod(error: z.ZodError, message = 'The request body has invalid fields.'): AppError {
    return new AppError('validation_failed', message, { fieldErrors: fieldErrorsOf(error) });
  }
}

/** The code of an HTTP status we answer with, if it is one of ours. */
export function errorCodeOfStatus(status: number): ErrorCode | undefined {
  return (Object.keys(ERROR_STATUS) as ErrorCode[]).find((code) => ERROR_STATUS[code] === status);
}

export function fieldErrorsOf(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

/** RFC 9457 problem details, as every HTTP error is answered. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldError[];
  instance?: string;
}

export function toProblem(error: AppError, instance?: string): ProblemDetails {
  return {
    type: `/problems/${error.code.replace(/_/g, '-')}`,
    title: TITLES[error.code],
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(error.fieldErrors.length > 0 ? { errors: error.fieldErrors } : {}),
    ...(instance === undefined ? {} : { instance }),
  };
}

/** A reason an app cannot start that a person fixes: printed as one line, without a stack. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/** A backing service is unreachable: the message is one line a person can act on. */
export class UnreachableError extends StartupError {
  constructor(message: string) {
    super(message);
    this.name = 'UnreachableError';
  }
}

/** `host:port` of a service URL, for messages (loopback and the default port when absent). */
export function hostAndPort(url: string, defaultPort: number): string {
  const parsed = new URL(url);
  return `${parsed.hostname || '127.0.0.1'}:${parsed.port || defaultPort}`;
}
