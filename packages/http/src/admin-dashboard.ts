import { timingSafeEqual, createHash } from 'node:crypto';
import type { Express, RequestHandler, Router } from 'express';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { AppError, REDACTED_KEYS, type Logger } from '@mc/domain';
import type { FailedAuthLimiter } from './bearer-auth';

export interface AdminOptions {
  /** Basic-auth user and password; without both, `/admin/*` is off. */
  user?: string;
  password?: string;
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
  createBullBoard({
    queues: options.queues.map((queue) => {
      const adapter = new BullMQAdapter(queue);
      adapter.setFormatter('data', (data: unknown) => redactForDashboard(data));
      return adapter;
    }),
    serverAdapter,
  });
  const auth = basicAuth(options.user, options.password, options.failures);
  app.use('/admin/queues', auth, serverAdapter.getRouter() as RequestHandler);
  if (options.extraRoutes) app.use('/admin', auth, options.extraRoutes);
  return true;
}
