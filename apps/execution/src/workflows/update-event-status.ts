import type pg from 'pg';
import type { Counter } from 'prom-client';
import type { Logger } from '@mc/observability';
import { updateEventStatusBatch } from '../sql/update-event-status-batch';

export const UPDATE_EVENT_STATUS_SCHEDULER_ID = 'update-event-status';

export interface UpdateEventStatusContext {
  pool: pg.Pool;
  logger: Logger;
  /** Delivery logs handled per statement. */
  batchSize: number;
  /** A run stops after this long (ms) even if not caught up; the next run goes on. */
  maxRunMs: number;
  /** `mc_events_final_total{status}`: the events this copy made final. */
  finalized?: Counter<'status'>;
}

/** Runs batches until caught up or out of time. */
export async function updateEventStatus(context: UpdateEventStatusContext): Promise<{ synced: number; caughtUp: boolean }> {
  const started = Date.now();
  let synced = 0;
  for (;;) {
    const { synced: count, moved } = await updateEventStatusBatch(context.pool, context.batchSize);
    for (const [status, events] of Object.entries(moved)) context.finalized?.inc({ status }, events);
    synced += count;
    if (count < context.batchSize) return { synced, caughtUp: true };
    if (Date.now() - started > context.maxRunMs) {
      context.logger.info('updateEventStatus: not caught up within a run, continuing next run', { synced });
      return { synced, caughtUp: false };
    }
  }
}
