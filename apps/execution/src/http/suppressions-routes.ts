import { Router } from 'express';
import { z } from 'zod';
import { CHANNELS, text } from '@mc/domain';
import { jsonBody, parseInput, requireScope, type Authenticator } from '@mc/http';
import type { ExecutionPrisma } from '@mc/db';
import { addSuppression, listSuppressions, listSuppressionsQuerySchema, removeSuppression, suppressionInputSchema } from '../delivery/suppressions';

const channelParam = z.enum(CHANNELS);
const addressParam = text().min(1).max(320);

/** The suppression list, for the control instance and operators (scope `control`). */
export function suppressionsRoutes(options: { prisma: ExecutionPrisma; auth: Authenticator }): Router {
  const router = Router();
  const isControl = requireScope(options.auth, 'control');

  router.get('/suppressions', isControl, async (req, res) => {
    const query = parseInput(listSuppressionsQuerySchema, req.query, 'Invalid query parameters.');
    res.json({ items: await listSuppressions(options.prisma, query) });
  });

  router.post('/suppressions', isControl, jsonBody(16 * 1024), async (req, res) => {
    const input = parseInput(suppressionInputSchema, req.body ?? {}, 'Invalid suppression.');
    res.status(201).json(await addSuppression(options.prisma, input));
  });

  router.delete('/suppressions/:channel/:address', isControl, async (req, res) => {
    const channel = parseInput(channelParam, req.params.channel, 'Unknown channel.');
    await removeSuppression(options.prisma, channel, parseInput(addressParam, req.params.address, 'Invalid address.'));
    res.status(204).end();
  });

  return router;
}
