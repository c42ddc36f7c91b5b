import { z } from 'zod';

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

export function defineQueue<TPayload extends z.ZodType>(definition: QueueDefinition<TPayload>): QueueDefinition<TPayload> {
  return definition;
}

/** A scheduled run that fails is not retried: its job scheduler runs it again soon anyway. */
export const NO_RETRY: RetryPolicy = { attempts: 1, backoff: { type: 'exponential', delayMs: 1_000, jitter: 0 } };

/** The queue of a job scheduler: an empty payload, no retry, and how long its jobs are kept. */
export function defineScheduledQueue(name: string, keep: Pick<QueueDefinition, 'keepCompleted' | 'keepFailedMs'>): QueueDefinition<z.ZodObject<Record<string, never>>> {
  return { name, payload: z.object({}), retry: NO_RETRY, ...keep };
}
