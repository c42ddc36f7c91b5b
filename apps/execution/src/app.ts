import type { Express } from 'express';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import type { Logger } from '@mc/observability';
import { apiDocsRoutes, createBaseApp, monitoringRoutes, mountAdmin, notFoundHandler, problemMiddleware, type AdminOptions, type Authenticator } from '@mc/http';
import { openApiDocument } from '@mc/contract';
import { ping, type ExecutionPrisma } from '@mc/db';
import type { EventIntake } from './intake/event-intake';
import type { ExecutionMetrics } from './metrics/execution-metrics';
import type { TemplateRenderer } from '@mc/templates';
import { eventsRoutes, pushEventHandlers } from './http/events-routes';
import { templatesRoutes } from './http/templates-routes';
import { suppressionsRoutes } from './http/suppressions-routes';
import { archiveRoutes } from './http/archive-routes';
import { providerReceiptsRoutes } from './http/provider-receipts-routes';
import { retryRoutes } from './http/retry-routes';
import { webhooksRoutes, type WebhooksRoutesOptions } from './http/webhooks-routes';
import { soapRoutes, type SoapOptions } from './http/soap-routes';
import { EXECUTION_API } from './http/api-description';
import type { EventQueues } from './intake/event-dispatch';

export interface ExecutionAppOptions extends WebhooksRoutesOptions {
  prisma: ExecutionPrisma;
  pool: pg.Pool;
  redis: Redis;
  intake: EventIntake;
  /** Where retried deliveries' events are queued, and webhook tests. */
  queues: EventQueues & WebhooksRoutesOptions['queues'];
  renderer: TemplateRenderer;
  auth: Authenticator;
  logger: Logger;
  rtBodyLimitBytes: number;
  batchBodyLimitBytes: number;
  rateLimitPerSecond: number;
  metrics: ExecutionMetrics;
  /** `/admin/*`: Bull Board and the development outbox, behind basic auth. */
  admin: Omit<AdminOptions, 'logger' | 'failures'>;
  /** Sees the errors behind 5xx answers (the outage watch). */
  observe?: (error: unknown) => void;
  /** MC_METRICS_TOKEN: guards /metrics and the details of /ready. */
  metricsToken?: string;
  /** SMS_RECEIPT_TOKEN: what the SMS provider authenticates its receipts with (unset: refused). */
  smsReceiptToken?: string;
  /** EMAIL_FEEDBACK_TOKEN: what an email provider authenticates its bounce and complaint reports with (unset: refused). */
  emailFeedbackToken?: string;
  /** Express' `trust proxy` (MC_TRUST_PROXY). */
  trustProxy?: boolean | number | string;
  /** The Campaign Classic SOAP surface's settings. */
  soap: SoapOptions;
}

/** What every process answers: /health, /ready (PostgreSQL and Redis), /metrics. */
function monitoring(options: Pick<ExecutionAppOptions, 'pool' | 'redis' | 'metrics' | 'metricsToken'> & { failures: Authenticator['failures'] }) {
  return monitoringRoutes({
    checks: { postgres: () => ping(options.pool), redis: () => options.redis.ping() },
    metrics: options.metrics.scraped,
    token: options.metricsToken,
    failures: options.failures,
  });
}

/** A process without the API (`worker`, `inbound` roles) on WORKER_METRICS_PORT: monitoring only. */
export function monitoringApp(options: Pick<ExecutionAppOptions, 'pool' | 'redis' | 'metrics' | 'metricsToken' | 'logger'> & { failures: Authenticator['failures'] }): Express {
  const app = createBaseApp({ metrics: options.metrics.registry });
  app.use(monitoring(options));
  app.use(notFoundHandler);
  app.use(problemMiddleware(options.logger));
  return app;
}

/** The execution instance's HTTP API, built without listening (tests listen on port 0). */
export function createExecutionApp(options: ExecutionAppOptions): Express {
  const app = createBaseApp({ trustProxy: options.trustProxy, metrics: options.metrics.registry });
  app.post('/api/v1/events', ...pushEventHandlers(options));
  app.use(monitoring({ ...options, failures: options.auth.failures }));
  app.use(apiDocsRoutes(openApiDocument(EXECUTION_API), EXECUTION_API.title));
  app.use('/api/v1', eventsRoutes(options), templatesRoutes(options), suppressionsRoutes(options), archiveRoutes(options), providerReceiptsRoutes(options), retryRoutes(options), webhooksRoutes(options));
  app.use(soapRoutes(options));
  mountAdmin(app, { ...options.admin, logger: options.logger, failures: options.auth.failures });
  app.use(notFoundHandler);
  app.use(problemMiddleware(options.logger, { observe: options.observe }));
  return app;
}
