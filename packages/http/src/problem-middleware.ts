import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, errorCodeOfStatus, isError, toProblem } from '@mc/domain';
import { FaultLog, classifyError, type Logger } from '@mc/observability';

function fieldOf(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * Errors Express and body-parser raise for what a client sent (http-errors: a 4xx `status` and
 * `expose: true`): a bad percent-encoding in a path, malformed JSON, a corrupt gzip body, an
 * unknown encoding or charset, a body over the limit. Each becomes our problem with its status.
 */
function fromClientHttpError(error: unknown): AppError | undefined {
  const status = fieldOf(error, 'status') ?? fieldOf(error, 'statusCode');
  // The router's decoding error is a URIError with a status but no `expose`.
  const clientCaused = fieldOf(error, 'expose') === true || error instanceof URIError;
  if (typeof status !== 'number' || status < 400 || status > 499 || !clientCaused) return undefined;
  const type = fieldOf(error, 'type');
  if (type === 'entity.too.large') {
    const limit = fieldOf(error, 'limit');
    return new AppError('payload_too_large', `The request body exceeds ${typeof limit === 'number' ? limit : 'the'} bytes.`);
  }
  if (type === 'entity.parse.failed') {
    return new AppError('validation_failed', 'The request body is not valid JSON.', { fieldErrors: [{ path: '', message: 'must be valid JSON' }] });
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new AppError('unsupported_media_type', 'The request body encoding is not supported.');
  }
  const code = errorCodeOfStatus(status) ?? 'validation_failed';
  const message = isError(error) && error.message ? error.message : undefined;
  return new AppError(code, code === 'validation_failed' ? `The request is malformed${message ? `: ${message}` : '.'}` : message, {
    ...(code === 'validation_failed' ? { fieldErrors: [{ path: '', message: message ?? 'is malformed' }] } : {}),
  });
}

export interface ProblemMiddlewareOptions {
  /** Sees every error behind a 5xx (an outage watch starts from it). */
  observe?: (error: unknown) => void;
}

/**
 * The one Express error handler: every error becomes `application/problem+json`. 5xx answers are
 * logged through a FaultLog — one line per kind per interval with a count, a stack trace only for
 * an internal error (a bug), never for a backing service being away.
 */
export function problemMiddleware(logger: Logger, options: ProblemMiddlewareOptions = {}): ErrorRequestHandler {
  const faults = new FaultLog(logger, { level: 'error' });
  return (thrown: unknown, req, res, _next) => {
    const error = fromClientHttpError(thrown) ?? classifyError(thrown);
    if (error.status >= 500) {
      const cause = isError(error.cause) ? error.cause : undefined;
      const message = cause?.message ?? error.message;
      options.observe?.(error.cause ?? thrown);
      faults.report(`${error.code}:${message.replace(/\d+/g, '#').slice(0, 80)}`, 'request failed', {
        method: req.method,
        path: req.path,
        code: error.code,
        error: message,
        stack: error.code === 'internal' ? cause?.stack : undefined,
      });
    }
    if (error.code === 'unavailable') res.setHeader('Retry-After', '1');
    sendProblem(res, error, req.originalUrl);
  };
}

/** Answers with an error as problem+json (for handlers outside the error middleware too). */
export function sendProblem(res: Parameters<RequestHandler>[1], error: AppError, instance?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.status(error.status).type('application/problem+json').json(toProblem(error, instance));
}

/** Unknown routes answer problem+json too. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `No route for ${req.method} ${req.path}.`));
};
