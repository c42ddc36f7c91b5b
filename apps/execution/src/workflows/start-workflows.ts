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

export interface WorkflowsOptions {
  env: ExecutionEnv;
  logger: Logger;
  /** The workers' Redis connection (waits for Redis to come back rather than failing). */
  redis: Redis;
  processing: EventProcessingContext;
  reconciliation: ReconciliationContext;
  statusSync: StatusSyncContext;
  schedulerQueues: {
    reconciliation: CatalogQueue<'pendingEventsReconciliation'>;
    updateEventStatus: CatalogQueue<'updateEventStatus'>;
  };
}

/**
 * The `worker` role: rtEventsProcessing, batchEventsProcessing, and the job schedulers
 * updateEventStatus and pendingEventsReconciliation with their workers.
 */
export async function startWorkflows(options: WorkflowsOptions): Promise<Worker[]> {
  const { env, logger, redis } = options;
  const base: WorkerOptions = { connection: redis, prefix: env.MC_QUEUE_PREFIX, logger, lockDurationMs: env.JOB_LOCK_MS };
  const ensureSchedulers = () =>
    Promise.all([
      ensureReconciliationScheduler(options.schedulerQueues.reconciliation, env.RECONCILE_EVERY_MS),
      ensureUpdateEventStatusScheduler(options.schedulerQueues.updateEventStatus, env.STATUS_SYNC_EVERY_MS),
    ]);
  const workers = [
    startRtEventsProcessing(options.processing, { ...base, concurrency: env.RT_WORKER_CONCURRENCY }),
    startBatchEventsProcessing(options.processing, { ...base, concurrency: env.BATCH_WORKER_CONCURRENCY }),
    await startPendingEventsReconciliation(options.reconciliation, options.schedulerQueues.reconciliation, env.RECONCILE_EVERY_MS, base),
    await startUpdateEventStatus(options.statusSync, options.schedulerQueues.updateEventStatus, env.STATUS_SYNC_EVERY_MS, base),
  ];
  // A Redis that restarted without its data lost the job schedulers too: put them back on reconnect.
  redis.on('ready', () => {
    ensureSchedulers().catch((thrown: unknown) => logger.warn('could not restore the job schedulers', { error: coerceError(thrown).message }));
  });
  return workers;
}
