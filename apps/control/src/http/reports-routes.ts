import { Router } from 'express';
import { parseInput, requireScope, type Authenticator } from '@mc/http';
import type { ControlServices } from '../control-services';
import { archiveEventsQuerySchema, listArchivedEvents, summaryReport } from '../reports/archive-queries';

/** The archive and reports for operators. */
export function reportsRoutes(services: ControlServices, auth: Authenticator): Router {
  const router = Router();
  const isAdmin = requireScope(auth, 'admin');
  router.get('/archive/events', isAdmin, async (req, res) => {
    res.json(await listArchivedEvents(services.pool, parseInput(archiveEventsQuerySchema, req.query, 'Invalid query parameters.')));
  });
  router.get('/reports/summary', isAdmin, async (_req, res) => {
    res.json(await summaryReport(services.pool));
  });
  return router;
}
