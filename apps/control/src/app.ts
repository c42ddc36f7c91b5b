import express, { type Express } from 'express';
import { mountAdmin, notFoundHandler, problemMiddleware, type VerifyToken } from '@mc/http';
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
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const metrics = createControlMetrics(services.pool, [services.queues.publishing, services.queues.archiving]);
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });
  app.get('/ready', async (_req, res) => {
    const checks = await Promise.all([
      services.pool.query('SELECT 1').then(() => 'ok', (error: Error) => error.message),
      services.redis.ping().then(() => 'ok', (error: Error) => error.message),
    ]);
    const ready = checks.every((check) => check === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: { postgres: checks[0], redis: checks[1] } });
  });
  app.use('/api/v1', executionInstancesRoutes(services, verify), templatesRoutes(services, verify), reportsRoutes(services, verify));
  mountAdmin(app, { ...admin, logger: services.logger, queues: [services.queues.publishing, services.queues.archiving] });
  app.use(notFoundHandler);
  app.use(problemMiddleware(services.logger));
  return app;
}
