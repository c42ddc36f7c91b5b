import { z } from 'zod';
import { DAY, HOUR, SECOND, UUID_PATTERN } from '@mc/domain';
import { defineQueue, defineScheduledQueue, type CatalogQueue, type RetryPolicy } from '@mc/queues';

const uuid = z.string().regex(UUID_PATTERN, 'must be a UUID');

/** Events carried by one processing job: small enough for one set-based pass. */
export const BATCH_CHUNK_SIZE = 500;

/** The data of an `rtEventsProcessing` or `batchEventsProcessing` job: the events it links and delivers. */
const eventsOfOneJob = z.strictObject({ eventIds: z.array(uuid).min(1).max(BATCH_CHUNK_SIZE) });

/**
 * Event processing jobs fail (and retry) only on infrastructure errors — PostgreSQL or Redis away:
 * deliveries refused for now wait in the delayed set on their own schedule without spending
 * attempts. 12 tries back off over about an hour; past that the reconciler queues the events again.
 */
const processingRetry: RetryPolicy = { attempts: 12, backoff: { type: 'exponential', delayMs: 1 * SECOND, jitter: 0.5 } };
const keepCompleted = { count: 1000, ageMs: 1 * HOUR };

/**
 * The execution instance's queues: queue name → payload schema → retry policy. Producers (HTTP
 * intake, the reconciler) and consumers (the workers) use the same entry, so they cannot drift apart.
 */
export const QUEUES = {
  /**
   * Real-time events: one job per intake group (the events one INSERT stored together, at most
   * BATCH_CHUNK_SIZE, one `scheduledAt`), its id the group's first event id — a lone event's job
   * is its own id. (A job queued by a version before groups, `{eventId}`, fails at once without
   * being processed; its event stays `pending` and the reconciler queues it again.)
   */
  rtEventsProcessing: defineQueue({
    name: 'rtEventsProcessing',
    payload: eventsOfOneJob,
    retry: processingRetry,
    keepCompleted,
    keepFailedMs: 7 * DAY,
  }),
  /** Batch events: one job per chunk of at most BATCH_CHUNK_SIZE events of one batch request. */
  batchEventsProcessing: defineQueue({
    name: 'batchEventsProcessing',
    payload: eventsOfOneJob,
    retry: processingRetry,
    keepCompleted,
    keepFailedMs: 7 * DAY,
  }),
  /** Job scheduler (every second by default): copies final delivery-log statuses onto events. */
  updateEventStatus: defineScheduledQueue('updateEventStatus', { keepCompleted: { count: 100, ageMs: 1 * HOUR }, keepFailedMs: 1 * DAY }),
  /** Job scheduler: deletes final events older than the retention that the control instance archived. */
  purgeArchivedEvents: defineScheduledQueue('purgeArchivedEvents', { keepCompleted: { count: 100, ageMs: 1 * DAY }, keepFailedMs: 7 * DAY }),
  /**
   * One job per try of a status-webhook message (`{messageId, attempt}`), on workers of its own:
   * a slow or dead endpoint never holds up a delivery. The job fails (and BullMQ retries it) only
   * when PostgreSQL is away; an endpoint's refusals are retried on the webhook schedule instead.
   */
  webhookDelivery: defineQueue({
    name: 'webhookDelivery',
    payload: z.strictObject({ messageId: uuid, attempt: z.number().int().min(0) }),
    retry: processingRetry,
    keepCompleted,
    keepFailedMs: 7 * DAY,
  }),
  /** Job scheduler (every second by default): turns events' status changes into webhook messages, and queues lost ones again. */
  webhookFanout: defineScheduledQueue('webhookFanout', { keepCompleted: { count: 100, ageMs: 1 * HOUR }, keepFailedMs: 1 * DAY }),
  /** Job scheduler: re-queues `pending` events whose job is gone (Redis lost data, crash before enqueue). */
  pendingEventsReconciliation: defineScheduledQueue('pendingEventsReconciliation', { keepCompleted: { count: 100, ageMs: 1 * HOUR }, keepFailedMs: 1 * DAY }),
} as const;

export type ExecutionQueue<N extends keyof typeof QUEUES> = CatalogQueue<(typeof QUEUES)[N]>;

/** The queue of either event-processing workflow (both carry `{eventIds}`). */
export type ProcessingQueue = ExecutionQueue<'rtEventsProcessing' | 'batchEventsProcessing'>;
