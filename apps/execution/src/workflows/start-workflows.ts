import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { coerceError, type Logger } from '@mc/domain';
import type { CatalogQueue, WorkerOptions } from '@mc/queues';
import type { ExecutionEnv } from '../env';
import type { EventProcessingContext } from './event-processing-job';
import { startRtEventsProcessing } from './rt-events-processing';
import { startBatchEventsProcessing } from './batch-events-processing';
import { ensureReconciliationScheduler, startPendingEventsReconciliation, type ReconciliationContext } from './pending-events-reconciliation';
import { ensureUpdateEventStatusScheduler, startUpdateEventStatus, type StatusSyncContext } from './update-event-status';
import { ensurePurgeScheduler, startPurge, type PurgeContext } from '../archive/purge-archived-events';

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

/**
 * The `worker` role: rtEventsProcessing, batchEventsProcessing, and the job schedulers
 * updateEventStatus, pendingEventsReconciliation and purgeArchivedEvents with their workers.
 */
/** How often each worker process makes sure the job schedulers exist (a Redis that lost its data lost them). */
const SCHEDULER_CHECK_EVERY_MS = 30_000;

export interface Workflows {
  workers: Worker[];
  /** Closes the workers (letting current jobs finish) and stops the scheduler checks. */
  close(): Promise<void>;
}

export async function startWorkflows(options: WorkflowsOptions): Promise<Workflows> {
  const { env, logger, redis } = options;
  const base: WorkerOptions = { connection: redis, prefix: env.MC_QUEUE_PREFIX, logger, lockDurationMs: env.JOB_LOCK_MS };
  const ensureSchedulers = () =>
    Promise.all([
      ensureReconciliationScheduler(options.schedulerQueues.reconciliation, env.RECONCILE_EVERY_MS),
      ensureUpdateEventStatusScheduler(options.schedulerQueues.updateEventStatus, env.STATUS_SYNC_EVERY_MS),
      ensurePurgeScheduler(options.schedulerQueues.purge, env.PURGE_EVERY_MS),
    ]);
  const workers = [
    startRtEventsProcessing(options.processing, { ...base, concurrency: env.RT_WORKER_CONCURRENCY }),
    startBatchEventsProcessing(options.processing, { ...base, concurrency: env.BATCH_WORKER_CONCURRENCY }),
    await startPendingEventsReconciliation(options.reconciliation, options.schedulerQueues.reconciliation, env.RECONCILE_EVERY_MS, base),
    await startUpdateEventStatus(options.statusSync, options.schedulerQueues.updateEventStatus, env.STATUS_SYNC_EVERY_MS, base),
    await startPurge(options.purge, options.schedulerQueues.purge, env.PURGE_EVERY_MS, base),
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
