import type { Worker } from 'bullmq';
import { createCatalogWorker, type CatalogQueue, type WorkerOptions } from './catalog-queues';

/** The catalog queues that run one job scheduler with an empty payload. */
export type ScheduledQueueName = 'updateEventStatus' | 'pendingEventsReconciliation' | 'purgeArchivedEvents';

/** A repeatable technical workflow: one job scheduler, every `everyMs`, running `run`. */
export interface ScheduledWorkflow<N extends ScheduledQueueName = ScheduledQueueName> {
  name: N;
  queue: CatalogQueue<N>;
  /** The scheduler's id, also the name its jobs carry on the dashboard (no `:`). */
  schedulerId: string;
  everyMs: number;
  run: () => Promise<unknown>;
}

/** Idempotent: upserting with the same settings keeps the schedule (a changed `every` runs it once at once). */
export async function ensureScheduler(workflow: ScheduledWorkflow): Promise<void> {
  await workflow.queue.upsertJobScheduler(workflow.schedulerId, { every: workflow.everyMs }, { name: workflow.schedulerId, data: {} });
}

/** The scheduler and the worker that runs its jobs. */
export async function startScheduledWorkflow(workflow: ScheduledWorkflow, options: WorkerOptions): Promise<Worker> {
  await ensureScheduler(workflow);
  return createCatalogWorker(workflow.name, () => workflow.run(), options);
}
