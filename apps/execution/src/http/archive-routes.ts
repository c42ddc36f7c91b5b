import { Router } from 'express';
import { parseInput, requireScope, type Authenticator } from '@mc/http';
import type pg from 'pg';
import { archiveQuerySchema, serveArchivePage } from '../archive/archive-feed';
import { ARCHIVE_CONSUMER } from '../workflows/purge-archived-events';

/** `GET /api/v1/archive?after=&ack=&limit=` for the control instance (scope `control`). */
export function archiveRoutes(options: { pool: pg.Pool; auth: Authenticator }): Router {
  const router = Router();
  router.get('/archive', requireScope(options.auth, 'control'), async (req, res) => {
    const query = parseInput(archiveQuerySchema, req.query, 'Invalid query parameters.');
    res.type('application/json').send(await serveArchivePage(options.pool, ARCHIVE_CONSUMER, query));
  });
  return router;
}
