import type { Worker } from 'bullmq';
import { createCatalogWorker, type CatalogQueue, type WorkerOptions } from './catalog-queues';
import type { QueueDefinition } from './queue-definition';
import type { DesiredScheduler } from './scheduler-keeper';

/** A repeatable technical workflow: one job scheduler, every `everyMs`, running `run`. */
export interface ScheduledWorkflow<D extends QueueDefinition = QueueDefinition> {
  definition: D;
  queue: CatalogQueue<D>;
  /** The scheduler's id, also the name its jobs carry on the dashboard (no `:`). */
  schedulerId: string;
  everyMs: number;
  run: () => Promise<unknown>;
}

/** The scheduler the workflow needs, for `keepSchedulers`. */
export function desiredSchedulerOf(workflow: ScheduledWorkflow): DesiredScheduler {
  return { queue: workflow.queue, id: workflow.schedulerId, everyMs: workflow.everyMs, data: {} };
}

/** The worker that runs the workflow's jobs (its scheduler is kept by `keepSchedulers`). */
export function startScheduledWorkflow(workflow: ScheduledWorkflow, options: WorkerOptions): Worker {
  return createCatalogWorker(workflow.definition, () => workflow.run(), options);
}
