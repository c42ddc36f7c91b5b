import { Router, type Request, type RequestHandler } from 'express';
import { AppError } from '@mc/domain';
import { batchInputSchema, eventInputSchema, listEventsQuerySchema } from '@mc/contract';
import { jsonBody, parseInput, principalOf, producerOf, rateLimitPerPrincipal, requireScope, type Authenticator } from '@mc/http';
import type { ExecutionPrisma } from '@mc/db';
import type { EventIntake } from '../intake/event-intake';
import { getEvent, listEvents } from '../events/event-queries';
import { idempotentPush, type IdempotencyOptions } from './idempotency';

export interface EventsRoutesOptions extends IdempotencyOptions {
  prisma: ExecutionPrisma;
  intake: EventIntake;
  auth: Authenticator;
  rtBodyLimitBytes: number;
  batchBodyLimitBytes: number;
  rateLimitPerSecond: number;
}

/** A JSON body is required; anything else is a 415 rather than a confusing field error. */
const requireJsonBody: RequestHandler = (req, _res, next) => {
  next(req.body === undefined ? new AppError('unsupported_media_type', 'Send the event as JSON with "Content-Type: application/json".') : undefined);
};

/** The producer whose events this request writes and reads. */
/** Whose events this request may read: its producer's, or everyone's with `events:read:all`. */
function readerOf(req: Request): { producer?: string } {
  return principalOf(req).scopes.has('events:read:all') ? {} : { producer: producerOf(req) };
}

/**
 * `POST /api/v1/events`, the intake's hot path: the app mounts it ahead of every other route, so
 * a real-time event walks no router but its own (see app.ts).
 */
export function pushEventHandlers(options: EventsRoutesOptions): RequestHandler[] {
  return [
    requireScope(options.auth, 'events:write'),
    rateLimitPerPrincipal(options.rateLimitPerSecond),
    jsonBody(options.rtBodyLimitBytes),
    requireJsonBody,
    idempotentPush(options),
    async (req, res) => {
      const input = parseInput(eventInputSchema, req.body, 'The event has invalid fields; nothing was stored.');
      const accepted = await options.intake.acceptRealtime(input, producerOf(req));
      // A repeated externalId says which event it is and where it stands, nothing more: reading
      // the stored event (address, ctx, delivery log) takes `events:read`.
      res
        .status(accepted.created ? 202 : 200)
        .location(`/api/v1/events/${accepted.id}`)
        .json({ id: accepted.id, status: accepted.status, kind: accepted.kind });
    },
  ];
}

/**
 * The rest of the producers' API: `POST /events/batch`, `GET /events/:id`, `GET /events`.
 * Every event belongs to the producer of the key that pushed it, and a key reads only its
 * producer's events: another producer's event is a 404, as if it did not exist.
 */
export function eventsRoutes(options: EventsRoutesOptions): Router {
  const router = Router();
  const canWrite = requireScope(options.auth, 'events:write');
  const canRead = requireScope(options.auth, ['events:read', 'events:read:all']);
  const rateLimit = rateLimitPerPrincipal(options.rateLimitPerSecond);

  router.post('/events/batch', canWrite, rateLimit, jsonBody(options.batchBodyLimitBytes), requireJsonBody, idempotentPush(options), async (req, res) => {
    const { events } = parseInput(batchInputSchema, req.body, 'The batch has invalid events; nothing was stored.');
    const accepted = await options.intake.acceptBatch(events, producerOf(req));
    const duplicates = accepted.filter((event) => !event.created).length;
    res.status(202).json({ accepted: accepted.length, duplicates, ids: accepted.map((event) => event.id) });
  });

  router.get('/events/:id', canRead, async (req, res) => {
    res.json(await getEvent(options.prisma, String(req.params.id), readerOf(req)));
  });

  router.get('/events', canRead, async (req, res) => {
    const query = parseInput(listEventsQuerySchema, req.query, 'Invalid query parameters.');
    res.json(await listEvents(options.prisma, query, readerOf(req)));
  });

  return router;
}
