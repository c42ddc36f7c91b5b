import type { z } from 'zod';

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
