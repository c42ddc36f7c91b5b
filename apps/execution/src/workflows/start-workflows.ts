import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { coerceError, type Logger } from '@mc/domain';
import { ensureScheduler, startScheduledWorkflow, type CatalogQueue, type ScheduledWorkflow, type WorkerOptions } from '@mc/queues';
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

/** How often each worker process makes sure the job schedulers exist (a Redis that lost its data lost them). */
const SCHEDULER_CHECK_EVERY_MS = 30_000;

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
  const base: WorkerOptions = { connection: redis, prefix: env.MC_QUEUE_PREFIX, logger, lockDurationMs: env.JOB_LOCK_MS };
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
  const ensureSchedulers = () => Promise.all(scheduled.map(ensureScheduler));
  const workers = [
    startRtEventsProcessing(options.processing, { ...base, concurrency: env.RT_WORKER_CONCURRENCY }),
    startBatchEventsProcessing(options.processing, { ...base, concurrency: env.BATCH_WORKER_CONCURRENCY }),
    ...(await Promise.all(scheduled.map((workflow) => startScheduledWorkflow(workflow, base)))),
  ];
  // A Redis that restarted without its data lost the job schedulers too: put them back on
  // reconnect, and check every 30 s (a flush without a reconnect, a reconnect that raced).
  const restore = () => {
    ensureSchedulers().catch((thrown: unknown) => logger.warn('could not restore the job schedulers', { error: coerceError(thrown).message }));
  };
  redis.on('ready', restore);
  const timer = setInterval(restore, SCHEDULER_CHECK_EVERY_MS);
  timer.unref();
  return {
    workers,
    async close() {
      clearInterval(timer);
      redis.off('ready', restore);
      await Promise.all(workers.map((worker) => worker.close()));
    },
  };
}
