import { Router } from 'express';
import { z } from 'zod';
import { DAY, UUID_PATTERN } from '@mc/domain';
import { webhookAttemptsQuerySchema, webhookEndpointInputSchema, webhookEndpointUpdateSchema } from '@mc/contract';
import { jsonBody, parseInput, producerOf, requireScope, type Authenticator } from '@mc/http';
import type { ExecutionPrisma } from '@mc/db';
import {
  createTestMessage,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookAttempts,
  listWebhookEndpoints,
  rotateWebhookSecret,
  updateWebhookEndpoint,
} from '../webhooks/webhook-endpoints';
import { queueWebhookMessages } from '../workflows/webhook-delivery';
import type { ExecutionQueue } from '../queues';

export interface WebhooksRoutesOptions {
  prisma: ExecutionPrisma;
  auth: Authenticator;
  queues: { webhookDelivery: ExecutionQueue<'webhookDelivery'> };
  /** How long a rotated secret still signs (ms); default a day. */
  webhookSecretGraceMs?: number;
}

export const webhookIdParams = z.strictObject({ id: z.string().regex(UUID_PATTERN).describe('The endpoint id') });

/**
 * A producer's status webhooks (scope `events:read`: they carry its events' statuses): register,
 * list, change, delete, rotate the secret, send a test, read the attempts. Each key sees only its
 * producer's endpoints.
 */
export function webhooksRoutes(options: WebhooksRoutesOptions): Router {
  const router = Router();
  const canRead = requireScope(options.auth, 'events:read');
  const body = jsonBody(16 * 1024);
  const endpointId = (params: unknown) => parseInput(webhookIdParams, params, 'Invalid webhook endpoint id.').id;

  router.post('/webhooks', canRead, body, async (req, res) => {
    const input = parseInput(webhookEndpointInputSchema, req.body ?? {}, 'Invalid webhook endpoint.');
    const created = await createWebhookEndpoint(options.prisma, producerOf(req), input);
    res.status(201).location(`/api/v1/webhooks/${created.id}`).json(created);
  });

  router.get('/webhooks', canRead, async (req, res) => {
    res.json({ items: await listWebhookEndpoints(options.prisma, producerOf(req)) });
  });

  router.get('/webhooks/:id', canRead, async (req, res) => {
    res.json(await getWebhookEndpoint(options.prisma, producerOf(req), endpointId(req.params)));
  });

  router.patch('/webhooks/:id', canRead, body, async (req, res) => {
    const id = endpointId(req.params);
    const update = parseInput(webhookEndpointUpdateSchema, req.body ?? {}, 'Invalid webhook endpoint change.');
    res.json(await updateWebhookEndpoint(options.prisma, producerOf(req), id, update));
  });

  router.delete('/webhooks/:id', canRead, async (req, res) => {
    await deleteWebhookEndpoint(options.prisma, producerOf(req), endpointId(req.params));
    res.status(204).end();
  });

  router.post('/webhooks/:id/rotate-secret', canRead, async (req, res) => {
    res.json(await rotateWebhookSecret(options.prisma, producerOf(req), endpointId(req.params), options.webhookSecretGraceMs ?? DAY));
  });

  router.post('/webhooks/:id/test', canRead, async (req, res) => {
    const message = await createTestMessage(options.prisma, producerOf(req), endpointId(req.params));
    await queueWebhookMessages(options.queues.webhookDelivery, [message]);
    res.status(202).json({ messageId: `msg_${message.id}` });
  });

  router.get('/webhooks/:id/attempts', canRead, async (req, res) => {
    const id = endpointId(req.params);
    const query = parseInput(webhookAttemptsQuerySchema, req.query, 'Invalid query parameters.');
    res.json({ items: await listWebhookAttempts(options.prisma, producerOf(req), id, query) });
  });

  return router;
}
