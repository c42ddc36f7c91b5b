import { z } from 'zod';
import { SECOND, HOUR, DAY } from './durations';
import { UUID_PATTERN } from './ids';

const eventId = z.string().regex(UUID_PATTERN, 'must be a UUID');

/** Events carried by one `batchEventsProcessing` job: small enough for one set-based pass. */
export const BATCH_CHUNK_SIZE = 500;

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** Exponential backoff: the first retry waits `delayMs`, then doubles (with BullMQ's jitter). */
  backoff: { type: 'exponential'; delayMs: number; jitter: number };
}

export interface QueueDefinition<TPayload extends z.ZodType = z.ZodType> {
  /** The workflow's name: the BullMQ queue name an operator sees on the dashboard. */
  readonly name: string;
  /** Parses every job's data at the top of its processor. */
  readonly payload: TPayload;
  readonly retry: RetryPolicy;
  /** Completed jobs kept for the dashboard: at most this many, for at most this long (ms). */
  readonly keepCompleted: { count: number; ageMs: number };
  /** Failed jobs kept for inspection (ms). */
  readonly keepFailedMs: number;
}

function defineQueue<TPayload extends z.ZodType>(definition: QueueDefinition<TPayload>): QueueDefinition<TPayload> {
  return definition;
}

/**
 * Event processing jobs fail (and retry) only on infrastructure errors — PostgreSQL or Redis away:
 * deliveries refused for now wait in the delayed set on their own schedule without spending
 * attempts. 12 tries back off over about an hour; past that the reconciler queues the events again.
 */
const processingRetry: RetryPolicy = { attempts: 12, backoff: { type: 'exponential', delayMs: 1 * SECOND, jitter: 0.5 } };
/** A scheduled run that fails is not retried: the scheduler runs it again soon anyway. */
const noRetry: RetryPolicy = { attempts: 1, backoff: { type: 'exponential', delayMs: 1 * SECOND, jitter: 0 } };
const keepCompleted = { count: 1000, ageMs: 1 * HOUR };

/**
 * The queue catalog: queue name → payload schema → retry policy. Producers (HTTP intake, the
 * reconciler) and consumers (the workers) import the same entry, so they cannot drift apart.
 */
export const QUEUES = {
  /** Real-time events: one job per event, job id = event id. */
  rtEventsProcessing: defineQueue({
    name: 'rtEventsProcessing',
    payload: z.strictObject({ eventId }),
    retry: processingRetry,
    keepCompleted,
    keepFailedMs: 7 * DAY,
  }),
  /** Batch events: one job per chunk of at most BATCH_CHUNK_SIZE events of one batch request. */
  batchEventsProcessing: defineQueue({
    name: 'batchEventsProcessing',
    payload: z.strictObject({ eventIds: z.array(eventId).min(1).max(BATCH_CHUNK_SIZE) }),
    retry: processingRetry,
    keepCompleted,
    keepFailedMs: 7 * DAY,
  }),
  /** Job scheduler (every second by default): copies final delivery-log statuses onto events. */
  updateEventStatus: defineQueue({
    name: 'updateEventStatus',
    payload: z.object({}),
    retry: noRetry,
    keepCompleted: { count: 100, ageMs: 1 * HOUR },
    keepFailedMs: 1 * DAY,
  }),
  /** Job scheduler: deletes final events older than the retention that the control instance archived. */
  purgeArchivedEvents: defineQueue({
    name: 'purgeArchivedEvents',
    payload: z.object({}),
    retry: noRetry,
    keepCompleted: { count: 100, ageMs: 1 * DAY },
    keepFailedMs: 7 * DAY,
  }),
  /** Control: one job per (template, execution instance): makes the instance match the template's publication. */
  publishing: defineQueue({
    name: 'publishing',
    payload: z.strictObject({ templateName: z.string().min(1), instance: z.string().min(1) }),
    // Retried until it lands: 20 tries with backoff from 1 s capped by BullMQ's exponential growth (~6 days in all).
    retry: { attempts: 20, backoff: { type: 'exponential', delayMs: 1 * SECOND, jitter: 0.5 } },
    keepCompleted,
    keepFailedMs: 30 * DAY,
  }),
  /** Control: one job scheduler per registered execution instance (`archive-<name>`). */
  archiving: defineQueue({
    name: 'archiving',
    payload: z.strictObject({ instance: z.string().min(1) }),
    retry: noRetry,
    keepCompleted: { count: 1000, ageMs: 1 * DAY },
    keepFailedMs: 7 * DAY,
  }),
  /** Job scheduler: re-queues `pending` events whose job is gone (Redis lost data, crash before enqueue). */
  pendingEventsReconciliation: defineQueue({
    name: 'pendingEventsReconciliation',
    payload: z.object({}),
    retry: noRetry,
    keepCompleted: { count: 100, ageMs: 1 * HOUR },
    keepFailedMs: 1 * DAY,
  }),
} as const;

export type QueueName = keyof typeof QUEUES;
