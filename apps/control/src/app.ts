import express, { type Express } from 'express';
import { healthRoutes, mountAdmin, notFoundHandler, problemMiddleware, type VerifyToken } from '@mc/http';
import type { ControlServices } from './control-services';
import { createControlMetrics } from './control-metrics';
import { executionInstancesRoutes } from './http/execution-instances-routes';
import { templatesRoutes } from './http/templates-routes';
import { reportsRoutes } from './http/reports-routes';

/** The control instance's HTTP API, built without listening. */
export function createControlApp(services: ControlServices, verify: VerifyToken, admin: { user?: string; password?: string }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(healthRoutes({ postgres: () => services.pool.query('SELECT 1'), redis: () => services.redis.ping() }));
  const metrics = createControlMetrics(services.pool, [services.queues.publishing, services.queues.archiving]);
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });
  app.use('/api/v1', executionInstancesRoutes(services, verify), templatesRoutes(services, verify), reportsRoutes(services, verify));
  mountAdmin(app, { ...admin, logger: services.logger, queues: [services.queues.publishing, services.queues.archiving] });
  app.use(notFoundHandler);
  app.use(problemMiddleware(services.logger));
  return app;
}
