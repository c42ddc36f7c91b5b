import { z } from 'zod';
import { DAY, HOUR, SECOND } from '@mc/domain';
import { defineQueue, NO_RETRY, type CatalogQueue } from '@mc/queues';

/** The control instance's queues: queue name → payload schema → retry policy. */
export const QUEUES = {
  /** One job per (template, execution instance): makes the instance match the template's publication. */
  publishing: defineQueue({
    name: 'publishing',
    payload: z.strictObject({ templateName: z.string().min(1), instance: z.string().min(1) }),
    // Retried until it lands: 20 tries with backoff from 1 s capped by BullMQ's exponential growth (~6 days in all).
    retry: { attempts: 20, backoff: { type: 'exponential', delayMs: 1 * SECOND, jitter: 0.5 } },
    keepCompleted: { count: 1000, ageMs: 1 * HOUR },
    keepFailedMs: 30 * DAY,
  }),
  /** One job scheduler per registered execution instance (`archive-<name>`). */
  archiving: defineQueue({
    name: 'archiving',
    payload: z.strictObject({ instance: z.string().min(1) }),
    retry: NO_RETRY,
    keepCompleted: { count: 1000, ageMs: 1 * DAY },
    keepFailedMs: 7 * DAY,
  }),
} as const;

export type ControlQueue<N extends keyof typeof QUEUES> = CatalogQueue<(typeof QUEUES)[N]>;
