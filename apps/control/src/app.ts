import { ping } from '@mc/db';
import type { Express } from 'express';
import { apiDocsRoutes, createBaseApp, monitoringRoutes, mountAdmin, notFoundHandler, problemMiddleware, type Authenticator } from '@mc/http';
import type { ControlServices } from './control-services';
import { executionInstancesRoutes } from './http/execution-instances-routes';
import { templatesRoutes } from './http/templates-routes';
import { reportsRoutes } from './http/reports-routes';
import { CONTROL_API } from './http/api-description';
import { openApiDocument } from '@mc/contract';

/** The control instance's HTTP API, built without listening. */
export function createControlApp(
  services: ControlServices,
  auth: Authenticator,
  options: {
    admin: { user?: string; password?: string; readOnly?: boolean };
    metricsToken?: string;
    trustProxy?: boolean | number | string;
    /** Sees the errors behind 5xx answers (the outage watch). */
    observe?: (error: unknown) => void;
  },
): Express {
  const app = createBaseApp({ trustProxy: options.trustProxy, metrics: services.metrics.scraped.process });
  app.use(
    monitoringRoutes({
      checks: { postgres: () => ping(services.pool), redis: () => services.redis.ping() },
      metrics: services.metrics.scraped,
      token: options.metricsToken,
      failures: auth.failures,
    }),
  );
  app.use(apiDocsRoutes(openApiDocument(CONTROL_API), CONTROL_API.title));
  app.use('/api/v1', executionInstancesRoutes(services, auth), templatesRoutes(services, auth), reportsRoutes(services, auth));
  mountAdmin(app, { ...options.admin, logger: services.logger, failures: auth.failures, queues: [services.queues.publishing, services.queues.archiving] });
  app.use(notFoundHandler);
  app.use(problemMiddleware(services.logger, { observe: options.observe }));
  return app;
}
