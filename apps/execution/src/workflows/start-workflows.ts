import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { FaultLog, type Logger } from '@mc/observability';
import { MicroBatcher } from '@mc/batching';
import { TemplateRenderer } from '@mc/templates';
import { desiredSchedulerOf, keepSchedulers, startScheduledWorkflow, type ScheduledWorkflow, type WorkerOptions } from '@mc/queues';
import type { ExecutionEnv } from '../env';
import type { ExecutionMetrics } from '../metrics/execution-metrics';
import { openTransports, type Transports } from '../delivery/channel-senders';
import { recordDeliveryOutcomes, type DeliveryOutcome } from '../sql/record-delivery-outcomes';
import { type DeliveryLease } from '../sql/rows';
import { TransportCircuit } from '../delivery/transport-circuit';
import { TemplateVersionCache } from '../templates/published-templates';
import type { EventProcessingContext } from './event-processing-job';
import { startRtEventsProcessing } from './rt-events-processing';
import { startBatchEventsProcessing } from './batch-events-processing';
import { PENDING_EVENTS_RECONCILIATION_SCHEDULER_ID, reconcilePendingEvents, type ReconciliationContext } from './pending-events-reconciliation';
import { UPDATE_EVENT_STATUS_SCHEDULER_ID, updateEventStatus, type UpdateEventStatusContext } from './update-event-status';
import { PURGE_ARCHIVED_EVENTS_SCHEDULER_ID, purgeArchivedEvents, type PurgeArchivedEventsContext } from './purge-archived-events';
import { WEBHOOK_FANOUT_SCHEDULER_ID, fanOutWebhooks, type WebhookFanoutContext } from './webhook-fanout';
import { startWebhookDelivery, type WebhookDeliveryContext } from './webhook-delivery';
import { QUEUES, type ExecutionQueue } from '../queues';

export interface WorkflowsOptions {
  env: ExecutionEnv;
  logger: Logger;
  /** Sees every failed job's error (the outage watch). */
  observe?: (error: unknown) => void;
  pool: pg.Pool;
  /** The workers' Redis connection (waits for Redis to come back rather than failing). */
  redis: Redis;
  metrics: ExecutionMetrics;
  reconciliation: ReconciliationContext;
  updateEventStatus: UpdateEventStatusContext;
  purge: PurgeArchivedEventsContext;
  webhookFanout: WebhookFanoutContext;
  webhookDelivery: WebhookDeliveryContext;
  schedulerQueues: {
    reconciliation: ExecutionQueue<'pendingEventsReconciliation'>;
    updateEventStatus: ExecutionQueue<'updateEventStatus'>;
    purge: ExecutionQueue<'purgeArchivedEvents'>;
    webhookFanout: ExecutionQueue<'webhookFanout'>;
  };
}

export interface Workflows {
  workers: Worker[];
  /** What rtEventsProcessing and batchEventsProcessing jobs run with. */
  processing: EventProcessingContext;
  /** The SMTP and SMS senders (and the development sink when SMTP_URL is unset). */
  transports: Transports;
  /** Closes the workers (letting current jobs finish), stops the scheduler checks, records the last outcomes, closes the transports. */
  close(): Promise<void>;
}

/** What the processing jobs of this process share: linking, delivery, one lease, one circuit per transport. */
function processingContext(options: WorkflowsOptions, transports: Transports): EventProcessingContext {
  const { env, logger, pool, metrics } = options;
  // Who holds a delivery while it is sent: named in the log of the worker that takes it over if this one dies.
  const lease: DeliveryLease = { holder: `${os.hostname()}/${process.pid}/${randomBytes(2).toString('hex')}`, ms: env.DELIVERY_LEASE_MS };
  const circuit = (label: string) => new TransportCircuit({ label, logger, maxProbeMs: env.CIRCUIT_PROBE_MAX_MS });
  return {
    pool,
    logger,
    metrics,
    lease,
    renderer: new TemplateRenderer(),
    templates: new TemplateVersionCache(pool),
    senders: transports.senders,
    outcomes: new MicroBatcher<DeliveryOutcome, void>(async (items) => {
      await recordDeliveryOutcomes(pool, items);
      return [];
    }),
    retry: { scheduleMs: env.DELIVERY_RETRY_SCHEDULE_MS, giveUpAfterMs: env.DELIVERY_GIVE_UP_AFTER_MS, maxAttempts: env.DELIVERY_MAX_ATTEMPTS },
    circuits: { email: circuit(transports.senders.email.label), sms: circuit(transports.senders.sms.label) },
    faults: new FaultLog(logger),
    concurrency: env.DELIVERY_CONCURRENCY,
  };
}

/**
 * The `worker` role: opens the transports, then runs rtEventsProcessing, batchEventsProcessing,
 * webhookDelivery, and the job schedulers updateEventStatus, pendingEventsReconciliation,
 * purgeArchivedEvents and webhookFanout with their workers.
 */
export async function startWorkflows(options: WorkflowsOptions): Promise<Workflows> {
  const { env, logger, redis } = options;
  const transports = await openTransports(env, logger);
  const processing = processingContext(options, transports);
  const base: WorkerOptions = { connection: redis, prefix: env.MC_QUEUE_PREFIX, logger, lockDurationMs: env.JOB_LOCK_MS, observe: options.observe, jobs: options.metrics.jobs };
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
    {
      definition: QUEUES.webhookFanout,
      queue: options.schedulerQueues.webhookFanout,
      schedulerId: WEBHOOK_FANOUT_SCHEDULER_ID,
      everyMs: env.WEBHOOK_FANOUT_EVERY_MS,
      run: () => fanOutWebhooks(options.webhookFanout),
    },
  ];
  // Removed on the dashboard, changed by hand, lost with a Redis that restarted empty: the
  // schedulers are checked every SCHEDULER_CHECK_EVERY_MS and when Redis is back, and put back.
  const keeper = keepSchedulers({ desired: () => Promise.resolve(scheduled.map(desiredSchedulerOf)), logger, everyMs: env.SCHEDULER_CHECK_EVERY_MS, redis });
  await keeper.check();
  const workers = [
    startRtEventsProcessing(processing, { ...base, concurrency: env.RT_WORKER_CONCURRENCY }),
    startBatchEventsProcessing(processing, { ...base, concurrency: env.BATCH_WORKER_CONCURRENCY }),
    startWebhookDelivery(options.webhookDelivery, { ...base, concurrency: env.WEBHOOK_CONCURRENCY }),
    ...scheduled.map((workflow) => startScheduledWorkflow(workflow, base)),
  ];
  return {
    workers,
    processing,
    transports,
    async close() {
      keeper.close();
      await Promise.all(workers.map((worker) => worker.close()));
      await processing.outcomes.drain();
      await transports.close();
    },
  };
}
