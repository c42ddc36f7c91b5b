import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '@mc/observability';
import { desiredSchedulerOf, keepSchedulers, startScheduledWorkflow, type ScheduledWorkflow, type WorkerOptions } from '@mc/queues';
import type { ExecutionEnv } from '../env';
import type { EventProcessingContext } from './event-processing-job';
import { startRtEventsProcessing } from './rt-events-processing';
import { startBatchEventsProcessing } from './batch-events-processing';
import { PENDING_EVENTS_RECONCILIATION_SCHEDULER_ID, reconcilePendingEvents, type ReconciliationContext } from './pending-events-reconciliation';
import { UPDATE_EVENT_STATUS_SCHEDULER_ID, updateEventStatus, type UpdateEventStatusContext } from './update-event-status';
import { PURGE_ARCHIVED_EVENTS_SCHEDULER_ID, purgeArchivedEvents, type PurgeArchivedEventsContext } from './purge-archived-events';
import { QUEUES, type ExecutionQueue } from '../queues';

export interface WorkflowsOptions {
  env: ExecutionEnv;
  logger: Logger;
  /** Sees every failed job's error (the outage watch). */
  observe?: (error: unknown) => void;
  /** The workers' Redis connection (waits for Redis to come back rather than failing). */
  redis: Redis;
  processing: EventProcessingContext;
  reconciliation: ReconciliationContext;
  updateEventStatus: UpdateEventStatusContext;
  purge: PurgeArchivedEventsContext;
  schedulerQueues: {
    reconciliation: ExecutionQueue<'pendingEventsReconciliation'>;
    updateEventStatus: ExecutionQueue<'updateEventStatus'>;
    purge: ExecutionQueue<'purgeArchivedEvents'>;
  };
}

export interface Workflows {
  workers: Worker[];
  /** Closes the workers (letting current jobs finish) and stops the scheduler checks. */
  close(): Promise<void>;
}

/**
 * The `worker` role: rtEventsProcessing, batchEventsProcessing, and the job schedulers
 * updateEventStatus, pendingEventsReconciliation and purgeArchivedEvents with their workers.
 */
export async function startWorkflows(options: WorkflowsOptions): Promise<Workflows> {
  const { env, logger, redis } = options;
  const base: WorkerOptions = { connection: redis, prefix: env.MC_QUEUE_PREFIX, logger, lockDurationMs: env.JOB_LOCK_MS, observe: options.observe };
  const scheduled: ScheduledWorkflow[] = [
    {
      definition: QUEUES.updateEventStatus,
      queue: options.schedulerQueues.updateEventStatus,
      schedulerId: UPDATE_EVENT_STATUS_SCHEDULER_ID,
      everyMs: env.UPDATE_EVENT_STATUS_EVERY_MS,
      run: () => updateEventStatus(options.updateEventStatus),
    },
    {
      definition: QUEUES.pendingEventsReconciliation,
      queue: options.schedulerQueues.reconciliation,
      schedulerId: PENDING_EVENTS_RECONCILIATION_SCHEDULER_ID,
      everyMs: env.RECONCILE_EVERY_MS,
      run: () => reconcilePendingEvents(options.reconciliation),
    },
    {
      definition: QUEUES.purgeArchivedEvents,
      queue: options.schedulerQueues.purge,
      schedulerId: PURGE_ARCHIVED_EVENTS_SCHEDULER_ID,
      everyMs: env.PURGE_EVERY_MS,
      run: () => purgeArchivedEvents(options.purge),
    },
  ];
  // Removed on the dashboard, changed by hand, lost with a Redis that restarted empty: the
  // schedulers are checked every SCHEDULER_CHECK_EVERY_MS and when Redis is back, and put back.
  const keeper = keepSchedulers({ desired: () => Promise.resolve(scheduled.map(desiredSchedulerOf)), logger, everyMs: env.SCHEDULER_CHECK_EVERY_MS, redis });
  await keeper.check();
  const workers = [
    startRtEventsProcessing(options.processing, { ...base, concurrency: env.RT_WORKER_CONCURRENCY }),
    startBatchEventsProcessing(options.processing, { ...base, concurrency: env.BATCH_WORKER_CONCURRENCY }),
    ...scheduled.map((workflow) => startScheduledWorkflow(workflow, base)),
  ];
  return {
    workers,
    async close() {
      keeper.close();
      await Promise.all(workers.map((worker) => worker.close()));
    },
  };
}
