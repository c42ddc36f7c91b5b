import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '@mc/domain';
import { desiredSchedulerOf, keepSchedulers, startScheduledWorkflow, type CatalogQueue, type ScheduledWorkflow, type WorkerOptions } from '@mc/queues';
import type { ExecutionEnv } from '../env';
import type { EventProcessingContext } from './event-processing-job';
import { startRtEventsProcessing } from './rt-events-processing';
import { startBatchEventsProcessing } from './batch-events-processing';
import { RECONCILIATION_SCHEDULER_ID, reconcilePendingEvents, type ReconciliationContext } from './pending-events-reconciliation';
import { UPDATE_EVENT_STATUS_SCHEDULER_ID, runStatusSync, type StatusSyncContext } from './update-event-status';
import { PURGE_SCHEDULER_ID, purgeArchivedEvents, type PurgeContext } from '../archive/purge-archived-events';

export interface WorkflowsOptions {
  env: ExecutionEnv;
  logger: Logger;
  /** Sees every failed job's error (the outage watch). */
  observe?: (error: unknown) => void;
  /** The workers' Redis connection (waits for Redis to come back rather than failing). */
  redis: Redis;
  processing: EventProcessingContext;
  reconciliation: ReconciliationContext;
  statusSync: StatusSyncContext;
  purge: PurgeContext;
  schedulerQueues: {
    reconciliation: CatalogQueue<'pendingEventsReconciliation'>;
    updateEventStatus: CatalogQueue<'updateEventStatus'>;
    purge: CatalogQueue<'purgeArchivedEvents'>;
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
      name: 'updateEventStatus',
      queue: options.schedulerQueues.updateEventStatus,
      schedulerId: UPDATE_EVENT_STATUS_SCHEDULER_ID,
      everyMs: env.STATUS_SYNC_EVERY_MS,
      run: () => runStatusSync(options.statusSync),
    },
    {
      name: 'pendingEventsReconciliation',
      queue: options.schedulerQueues.reconciliation,
      schedulerId: RECONCILIATION_SCHEDULER_ID,
      everyMs: env.RECONCILE_EVERY_MS,
      run: () => reconcilePendingEvents(options.reconciliation),
    },
    {
      name: 'purgeArchivedEvents',
      queue: options.schedulerQueues.purge,
      schedulerId: PURGE_SCHEDULER_ID,
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
