import { timingSafeEqual, createHash } from 'node:crypto';
import type { Express, Request, RequestHandler, Router } from 'express';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { AppError, ERROR_STATUS, coerceError, errorCodeOfStatus, toProblem } from '@mc/domain';
import { REDACTED_KEYS, classifyError, type Logger } from '@mc/observability';
import type { FailedAuthLimiter } from './bearer-auth';
import { recordMountedApp } from './list-routes';

export interface AdminOptions {
  /** Basic-auth user and password; without both, `/admin/*` is off. */
  user?: string;
  password?: string;
  /** MC_ADMIN_READ_ONLY: the dashboard shows, and changes nothing. */
  readOnly?: boolean;
  /** The app's limit on failed authentications, shared with its bearer credentials. */
  failures: FailedAuthLimiter;
  logger: Logger;
  /** The queues the dashboard shows, under their workflow names. */
  queues: Queue[];
  /** More admin pages (e.g. the development outbox), mounted under `/admin`. */
  extraRoutes?: Router;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * HTTP basic auth, compared in constant time; a refusal is a 401 problem. Wrong passwords count
 * as failed authentications of the client's address: past the limit it gets 429 without its
 * password being looked at.
 */
export function basicAuth(user: string, password: string, failures: FailedAuthLimiter): RequestHandler {
  const expected = digest(`${user}:${password}`);
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString('utf8') : '';
    if (!given) {
      res.setHeader('WWW-Authenticate', 'Basic realm="Message Center admin"');
      next(new AppError('unauthorized', 'The admin pages need the basic-auth user and password (MC_ADMIN_USER, MC_ADMIN_PASSWORD).'));
      return;
    }
    if (failures.refuseIfBlocked(req, res, next)) return;
    if (timingSafeEqual(digest(given), expected)) return next();
    failures.recordFailure(req);
    res.setHeader('WWW-Authenticate', 'Basic realm="Message Center admin"');
    next(new AppError('unauthorized', 'The admin pages need the basic-auth user and password (MC_ADMIN_USER, MC_ADMIN_PASSWORD).'));
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Did the browser (or a client that says so) send this request from the dashboard's own origin? */
function isSameOrigin(req: Request): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return false;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** A JSON body, or none at all (the dashboard's own PUTs carry no body). */
function hasJsonOrNoBody(req: Request): boolean {
  const type = req.headers['content-type'];
  if (type === undefined) return req.headers['transfer-encoding'] === undefined && Number(req.headers['content-length'] ?? 0) === 0;
  return /^application\/json\s*(;|$)/i.test(type);
}

/**
 * Cross-site request forgery cannot act through the dashboard: a browser that cached the basic
 * auth would send it with a form or a `text/plain` fetch from any page. A request that changes
 * something (not GET/HEAD/OPTIONS) must come from the same origin (`Sec-Fetch-Site:
 * same-origin`, or an `Origin` naming this host) and carry JSON or no body; otherwise 403. In
 * read-only mode (MC_ADMIN_READ_ONLY) every such request is refused.
 */
export function adminWriteGuard(readOnly: boolean): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    if (readOnly) return next(new AppError('forbidden', 'The admin dashboard is read-only (MC_ADMIN_READ_ONLY).'));
    if (!isSameOrigin(req)) return next(new AppError('forbidden', 'Changes through the admin dashboard must come from its own page (same origin).'));
    if (!hasJsonOrNoBody(req)) return next(new AppError('forbidden', 'Changes through the admin dashboard must carry JSON or no body.'));
    next();
  };
}

/**
 * Query strings Bull Board 9 fails on with a 500 (found by the fuzz test), refused here with a
 * 400: percent-encoding that does not decode — once, or twice, as its queues handler decodes
 * `activeQueue` again — and control characters, on which its validation message crashes.
 */
const safeDashboardQuery: RequestHandler = (req, _res, next) => {
  const query = req.originalUrl.split('?')[1] ?? '';
  for (const part of query.split('&')) {
    let problem: string | undefined;
    try {
      const once = decodeURIComponent(part.replace(/\+/g, ' '));
      // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
      if (/[\u0000-\u001f\u007f]/.test(once)) problem = 'must not hold control characters';
      else decodeURIComponent(once);
    } catch {
      problem = 'is not valid percent-encoding';
    }
    if (problem) return next(new AppError('validation_failed', `The query string ${problem}.`, { fieldErrors: [{ path: '', message: problem }] }));
  }
  next();
};

/** Bull Board answers its own errors as `{error, details}`: as problem+json here, like every error of ours. */
const dashboardErrorsAsProblems: RequestHandler = (req, res, next) => {
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    if (res.statusCode < 400) return json(body);
    const message = (body as { error?: unknown } | null)?.error;
    const code = errorCodeOfStatus(res.statusCode) ?? (res.statusCode >= 500 ? 'internal' : 'validation_failed');
    res.status(ERROR_STATUS[code]).type('application/problem+json');
    return json(toProblem(new AppError(code, typeof message === 'string' ? message : undefined), req.originalUrl));
  };
  next();
};

/** Job data as the dashboard shows it: payload and address fields hidden. */
function redactForDashboard(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactForDashboard);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, REDACTED_KEYS.has(key) ? '[hidden]' : redactForDashboard(inner)]));
}

/**
 * Bull Board at `/admin/queues` (and any extra admin pages) behind basic auth. Never open by
 * default: without MC_ADMIN_USER and MC_ADMIN_PASSWORD it is not mounted, and a log line says how
 * to turn it on.
 */
export function mountAdmin(app: Express, options: AdminOptions): boolean {
  if (!options.user || !options.password) {
    options.logger.info('the admin dashboard (/admin/queues) is off: set MC_ADMIN_USER and MC_ADMIN_PASSWORD to turn it on');
    return false;
  }
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath('/admin/queues');
  const readOnly = options.readOnly ?? false;
  createBullBoard({
    queues: options.queues.map((queue) => {
      // Read-only also hides the dashboard's buttons; the guard below is what enforces it.
      const adapter = new BullMQAdapter(queue, { readOnlyMode: readOnly });
      adapter.setFormatter('data', (data: unknown) => redactForDashboard(data));
      return adapter;
    }),
    serverAdapter,
  });
  const guards = [basicAuth(options.user, options.password, options.failures), adminWriteGuard(readOnly)];
  // Bull Board's handlers' errors: classified like ours, and the unexpected ones logged.
  serverAdapter.setErrorHandler((thrown: Error) => {
    const status = (thrown as { statusCode?: unknown }).statusCode;
    const error = typeof status === 'number' && status >= 400 && status < 500 ? new AppError(errorCodeOfStatus(status) ?? 'validation_failed', coerceError(thrown).message) : classifyError(thrown);
    if (error.status >= 500) options.logger.error('admin dashboard request failed', { code: error.code, error: coerceError(thrown).message, stack: coerceError(thrown).stack });
    // Bull Board's type lists the statuses it uses; ours pass through our problem wrapper anyway.
    return { status: error.status as ReturnType<Parameters<ExpressAdapter['setErrorHandler']>[0]>['status'], body: { error: error.message } };
  });
  const board = serverAdapter.getRouter() as Express;
  app.use('/admin/queues', ...guards, safeDashboardQuery, dashboardErrorsAsProblems, board);
  recordMountedApp(app, '/admin/queues', board);
  if (options.extraRoutes) app.use('/admin', ...guards, options.extraRoutes);
  return true;
}
