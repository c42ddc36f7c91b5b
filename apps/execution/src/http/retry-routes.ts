import { Router } from 'express';
import { jsonBody, parseInput, principalOf, requireScope, type Authenticator } from '@mc/http';
import { retryDeliveries, retryEvent, retryFilterSchema, type RetryContext } from '../delivery/retry-deliveries';

/** Replay of failed deliveries, for operators and the control instance (scope `control`). */
export function retryRoutes(options: RetryContext & { auth: Authenticator }): Router {
  const router = Router();
  const isControl = requireScope(options.auth, 'control');

  router.post('/events/:id/retry', isControl, async (req, res) => {
    res.status(202).json(await retryEvent(options, String(req.params.id), principalOf(req).name));
  });

  router.post('/deliveries/retry', isControl, jsonBody(16 * 1024), async (req, res) => {
    const filter = parseInput(retryFilterSchema, req.body ?? {}, 'Invalid retry filter.');
    res.status(202).json(await retryDeliveries(options, filter, principalOf(req).name));
  });
  return router;
}
