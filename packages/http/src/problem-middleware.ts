import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, classifyError, isError, toProblem, type Logger } from '@mc/domain';

/** body-parser's errors carry a `type`; map the ones a client caused to our codes. */
function fromBodyParser(error: unknown): AppError | undefined {
  if (typeof error !== 'object' || error === null || !('type' in error)) return undefined;
  const { type } = error;
  if (type === 'entity.too.large') {
    const limit = (error as { limit?: number }).limit;
    return new AppError('payload_too_large', `The request body exceeds ${limit ?? 'the'} bytes.`);
  }
  if (type === 'entity.parse.failed') {
    return new AppError('validation_failed', 'The request body is not valid JSON.', {
      fieldErrors: [{ path: '', message: 'must be valid JSON' }],
    });
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new AppError('unsupported_media_type', 'The request body encoding is not supported.');
  }
  return undefined;
}

/** The one Express error handler: every error becomes `application/problem+json`. */
export function problemMiddleware(logger: Logger): ErrorRequestHandler {
  return (thrown: unknown, req, res, _next) => {
    const error = fromBodyParser(thrown) ?? classifyError(thrown);
    if (error.status >= 500) {
      const cause = isError(error.cause) ? error.cause : undefined;
      logger.error('request failed', {
        method: req.method,
        path: req.path,
        code: error.code,
        error: cause?.message ?? error.message,
        stack: error.code === 'internal' ? cause?.stack : undefined,
      });
    }
    if (error.code === 'unavailable') res.setHeader('Retry-After', '1');
    res.status(error.status).type('application/problem+json').json(toProblem(error, req.originalUrl));
  };
}

/** Unknown routes answer problem+json too. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `No route for ${req.method} ${req.path}.`));
};
