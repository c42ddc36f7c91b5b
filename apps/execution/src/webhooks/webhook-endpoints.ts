import type { z } from 'zod';
import { newWebhookSecret } from '@message-center/client';
import { AppError, uuidv7 } from '@mc/domain';
import { WEBHOOK_TEST_TYPE, type webhookAttemptsQuerySchema, type webhookEndpointInputSchema, type webhookEndpointUpdateSchema, type WebhookMessage } from '@mc/contract';
import type { ExecutionPrisma } from '@mc/db';
import type { QueuedWebhookMessage } from '../sql/claim-webhook-message';

/** Endpoints one producer may register. */
export const MAX_ENDPOINTS_PER_PRODUCER = 20;

const VIEW = {
  id: true,
  url: true,
  eventTypes: true,
  enabled: true,
  failingSince: true,
  disabledAt: true,
  disabledReason: true,
  createdAt: true,
  updatedAt: true,
} as const;

type EndpointRow = { eventTypes: string[] | null } & Record<string, unknown>;
/** The API's view of an endpoint (`events`, never its secret). */
function view<T extends EndpointRow>({ eventTypes, ...endpoint }: T) {
  return { ...endpoint, events: eventTypes ?? [] };
}

const noEndpoint = (id: string) => new AppError('not_found', `No webhook endpoint ${id}.`);

/** The producer's endpoint, or a 404 (another producer's endpoint does not exist for it). */
async function endpointOf(prisma: ExecutionPrisma, producer: string, id: string) {
  const endpoint = await prisma.webhookEndpoint.findFirst({ where: { id, producer }, select: VIEW });
  if (!endpoint) throw noEndpoint(id);
  return endpoint;
}

export async function createWebhookEndpoint(prisma: ExecutionPrisma, producer: string, input: z.output<typeof webhookEndpointInputSchema>) {
  const count = await prisma.webhookEndpoint.count({ where: { producer } });
  if (count >= MAX_ENDPOINTS_PER_PRODUCER) throw new AppError('conflict', `A producer has at most ${MAX_ENDPOINTS_PER_PRODUCER} webhook endpoints; delete one first.`);
  const secret = newWebhookSecret();
  const endpoint = await prisma.webhookEndpoint.create({
    data: { id: uuidv7(), producer, url: input.url, eventTypes: input.events ?? [], secret },
    select: VIEW,
  });
  return { ...view(endpoint), secret };
}

export async function listWebhookEndpoints(prisma: ExecutionPrisma, producer: string) {
  const endpoints = await prisma.webhookEndpoint.findMany({ where: { producer }, select: VIEW, orderBy: { createdAt: 'asc' } });
  return endpoints.map(view);
}

export async function getWebhookEndpoint(prisma: ExecutionPrisma, producer: string, id: string) {
  return view(await endpointOf(prisma, producer, id));
}

/** Changes url, events or enabled; `enabled: true` also forgets the failures that disabled it. */
export async function updateWebhookEndpoint(prisma: ExecutionPrisma, producer: string, id: string, update: z.output<typeof webhookEndpointUpdateSchema>) {
  await endpointOf(prisma, producer, id);
  const enabling = update.enabled === true ? { failingSince: null, disabledAt: null, disabledReason: null } : {};
  const disabling = update.enabled === false ? { disabledAt: new Date(), disabledReason: 'disabled through the API' } : {};
  const endpoint = await prisma.webhookEndpoint.update({
    where: { id },
    data: {
      url: update.url,
      eventTypes: update.events === undefined ? undefined : (update.events ?? []),
      enabled: update.enabled,
      ...enabling,
      ...disabling,
      updatedAt: new Date(),
    },
    select: VIEW,
  });
  return view(endpoint);
}

export async function deleteWebhookEndpoint(prisma: ExecutionPrisma, producer: string, id: string): Promise<void> {
  const { count } = await prisma.webhookEndpoint.deleteMany({ where: { id, producer } });
  if (count === 0) throw noEndpoint(id);
}

/** A new secret; messages are signed with the old one too for `graceMs`, so receivers can switch without losing any. */
export async function rotateWebhookSecret(prisma: ExecutionPrisma, producer: string, id: string, graceMs: number) {
  const current = await prisma.webhookEndpoint.findFirst({ where: { id, producer }, select: { secret: true } });
  if (!current) throw noEndpoint(id);
  const secret = newWebhookSecret();
  const previousSecretExpiresAt = new Date(Date.now() + graceMs);
  await prisma.webhookEndpoint.update({ where: { id }, data: { secret, previousSecret: current.secret, previousSecretExpiresAt, updatedAt: new Date() } });
  return { secret, previousSecretExpiresAt };
}

/** A `webhook.test` message for the endpoint (sent even if its `events` exclude it), to be queued. */
export async function createTestMessage(prisma: ExecutionPrisma, producer: string, id: string): Promise<QueuedWebhookMessage> {
  await endpointOf(prisma, producer, id);
  const payload: WebhookMessage = {
    type: WEBHOOK_TEST_TYPE,
    timestamp: new Date().toISOString(),
    data: { id: null, externalId: null, eventType: null, channel: null, status: null, reason: null, template: null, updatedAt: null, complaint: null },
  };
  return prisma.webhookMessage.create({
    data: { id: uuidv7(), endpointId: id, type: WEBHOOK_TEST_TYPE, payload: JSON.stringify(payload) },
    select: { id: true, attempts: true, nextAttemptAt: true },
  });
}

/** The endpoint's attempts, newest first, with where their message stands now. */
export async function listWebhookAttempts(prisma: ExecutionPrisma, producer: string, id: string, query: z.output<typeof webhookAttemptsQuerySchema>) {
  await endpointOf(prisma, producer, id);
  const attempts = await prisma.webhookAttempt.findMany({
    where: { endpointId: id, ...(query.eventId ? { message: { eventId: query.eventId } } : {}) },
    orderBy: [{ attemptedAt: 'desc' }, { id: 'desc' }],
    take: query.limit,
    select: {
      attempt: true,
      attemptedAt: true,
      durationMs: true,
      responseStatus: true,
      responseBody: true,
      error: true,
      succeeded: true,
      message: { select: { id: true, type: true, eventId: true, state: true, nextAttemptAt: true } },
    },
  });
  return attempts.map(({ message, ...attempt }) => ({
    messageId: `msg_${message.id}`,
    type: message.type,
    eventId: message.eventId,
    ...attempt,
    messageState: message.state as 'pending' | 'delivered' | 'failed',
    nextAttemptAt: message.state === 'pending' ? message.nextAttemptAt : null,
  }));
}
