import http from 'node:http';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Worker } from 'bullmq';
import type { Express } from 'express';
import { FaultLog, type Logger, OutageWatch } from '@mc/observability';
import { MINUTE, httpServerOptions } from '@mc/domain';
import { TransportCircuit } from './delivery/transport-circuit';
import { failedAuthLimiter, listenHttp } from '@mc/http';
import { openExecutionDatabase, type ExecutionDatabase } from '@mc/db';
import { closeRedis, createCatalogQueue, createRedisConnection } from '@mc/queues';
import { MicroBatcher } from '@mc/batching';
import { closeHttpServer, closeInStages } from '@mc/lifecycle';
import type { ExecutionEnv } from './env';
import { createExecutionApp } from './app';
import { EventIntake } from './intake/event-intake';
import type { EventQueues } from './intake/event-dispatch';
import { TemplateRenderer } from '@mc/templates';
import { TemplateVersionCache } from './templates/published-templates';
import { createKeyVerifier, reconcileBootstrapKeys } from './api-keys/api-keys';
import { openTransports, type Transports } from './delivery/channel-senders';
import { recordDeliveryOutcomes, type DeliveryOutcome } from './delivery/deliveries-store';
import type { EventProcessingContext } from './workflows/event-processing-job';
import type { ReconciliationContext } from './workflows/pending-events-reconciliation';
import type { UpdateEventStatusContext } from './workflows/update-event-status';
import { startWorkflows } from './workflows/start-workflows';
import { outboxRoutes } from './http/outbox-routes';
import { ExecutionMetrics } from './metrics/execution-metrics';
import { QUEUES, type ExecutionQueue } from './queues';

export interface ExecutionInstance {
  db: ExecutionDatabase;
  queues: EventQueues & {
    reconciliation: ExecutionQueue<'pendingEventsReconciliation'>;
    updateEventStatus: ExecutionQueue<'updateEventStatus'>;
    purge: ExecutionQueue<'purgeArchivedEvents'>;
  };
  intake: EventIntake;
  app: Express;
  transports: Transports;
  processing: EventProcessingContext;
  reconciliation: ReconciliationContext;
  updateEventStatus: UpdateEventStatusContext;
  /** Set when the `api` role listens. */
  server?: http.Server;
  /** The port it listens on (the real one when configured with 0). */
  port?: number;
  workers: Worker[];
  /** Idempotent: HTTP first, then intake, workers, pending outcome records, transports, queues, Redis, PostgreSQL. */
  close(): Promise<void>;
}

/**
 * Wires an execution instance from its configuration and starts its roles: `api` (HTTP intake),
 * `worker` (the workflows) or `all`. The database must already be migrated (`prepareDatabase`).
 */
export async function startExecutionInstance(env: ExecutionEnv, logger: Logger): Promise<ExecutionInstance> {
  const poolFaults = new FaultLog(logger);
  // One line when PostgreSQL goes away and one when it is back, whatever noticed it first.
  const outages = new OutageWatch(logger, { PostgreSQL: () => db.pool.query('SELECT 1') });
  const observe = (error: unknown) => outages.observe(error);
  const db = openExecutionDatabase({
    databaseUrl: env.EXECUTION_DATABASE_URL,
    poolSize: env.DATABASE_POOL_SIZE,
    onError: (error) => {
      poolFaults.report(error.message, 'PostgreSQL pool error', { error: error.message });
      outages.observe(error);
    },
  });
  const producerRedis = createRedisConnection({ redisUrl: env.REDIS_URL, logger, role: 'producer' });
  const workerRedis = createRedisConnection({ redisUrl: env.REDIS_URL, logger, role: 'worker' });
  const queueContext = { connection: producerRedis, prefix: env.MC_QUEUE_PREFIX, logger };
  const queues = {
    rt: createCatalogQueue(QUEUES.rtEventsProcessing, queueContext),
    batch: createCatalogQueue(QUEUES.batchEventsProcessing, queueContext),
    reconciliation: createCatalogQueue(QUEUES.pendingEventsReconciliation, queueContext),
    updateEventStatus: createCatalogQueue(QUEUES.updateEventStatus, queueContext),
    purge: createCatalogQueue(QUEUES.purgeArchivedEvents, queueContext),
  };
  const metrics = new ExecutionMetrics(db.pool, Object.values(queues), env.MC_INSTANCE_NAME);
  const intake = new EventIntake({ pool: db.pool, queues, logger, metrics, observe });
  const renderer = new TemplateRenderer();
  const transports = await openTransports(env, logger);
  const outcomes = new MicroBatcher<DeliveryOutcome, void>(async (items) => {
    await recordDeliveryOutcomes(db.pool, items);
    return [];
  });
  // Who holds a delivery while it is sent: named in the log of the worker that takes it over if this one dies.
  const lease = { holder: `${os.hostname()}/${process.pid}/${randomBytes(2).toString('hex')}`, ms: env.DELIVERY_LEASE_MS };
  const processing: EventProcessingContext = {
    pool: db.pool,
    renderer,
    templates: new TemplateVersionCache(db.pool),
    lease,
    metrics,
    logger,
    delivery: {
      pool: db.pool,
      senders: transports.senders,
      logger,
      outcomes,
      retry: { scheduleMs: env.DELIVERY_RETRY_SCHEDULE_MS, giveUpAfterMs: env.DELIVERY_GIVE_UP_AFTER_MS, maxAttempts: env.DELIVERY_MAX_ATTEMPTS },
      circuits: {
        email: new TransportCircuit({ label: transports.senders.email.label, logger, maxProbeMs: env.CIRCUIT_PROBE_MAX_MS }),
        sms: new TransportCircuit({ label: transports.senders.sms.label, logger, maxProbeMs: env.CIRCUIT_PROBE_MAX_MS }),
      },
      faults: new FaultLog(logger),
      lease,
      concurrency: env.DELIVERY_CONCURRENCY,
      metrics,
    },
  };
  const reconciliation: ReconciliationContext = { pool: db.pool, redis: workerRedis, queues, logger, graceMs: env.RECONCILE_GRACE_MS };
  const updateEventStatus: UpdateEventStatusContext = { pool: db.pool, logger, batchSize: env.UPDATE_EVENT_STATUS_BATCH_SIZE, maxRunMs: 1 * MINUTE };

  // Processes that serve HTTP own the bootstrap keys: a worker started without the variables
  // must not revoke the keys its instance's API processes were given.
  if (env.MC_ROLE !== 'worker') {
    await reconcileBootstrapKeys(
      db.prisma,
      [
        { name: 'bootstrap-producer', key: env.MC_API_KEY, scopes: ['events:write', 'events:read'], variable: 'MC_API_KEY' },
        { name: 'bootstrap-control', key: env.MC_CONTROL_CREDENTIAL, scopes: ['control'], variable: 'MC_CONTROL_CREDENTIAL' },
      ],
      logger,
    );
  }

  const app = createExecutionApp({
    prisma: db.prisma,
    pool: db.pool,
    redis: producerRedis,
    intake,
    renderer,
    auth: { verify: createKeyVerifier(db.prisma, { cacheMs: env.API_KEY_CACHE_MS }), failures: failedAuthLimiter(env) },
    trustProxy: env.MC_TRUST_PROXY,
    metricsToken: env.MC_METRICS_TOKEN,
    observe,
    logger,
    rtBodyLimitBytes: env.RT_BODY_LIMIT_BYTES,
    batchBodyLimitBytes: env.BATCH_BODY_LIMIT_BYTES,
    rateLimitPerSecond: env.INTAKE_RATE_LIMIT_PER_SECOND,
    metrics,
    admin: {
      user: env.MC_ADMIN_USER,
      password: env.MC_ADMIN_PASSWORD,
      readOnly: env.MC_ADMIN_READ_ONLY,
      queues: Object.values(queues),
      extraRoutes: transports.sink ? outboxRoutes(transports.sink) : undefined,
    },
  });

  const workflows =
    env.MC_ROLE === 'api'
      ? undefined
      : await startWorkflows({
          env,
          logger,
          observe,
          redis: workerRedis,
          processing,
          reconciliation,
          updateEventStatus,
          purge: { pool: db.pool, logger, retentionMs: env.PURGE_RETENTION_MS, batchSize: 5_000 },
          schedulerQueues: { reconciliation: queues.reconciliation, updateEventStatus: queues.updateEventStatus, purge: queues.purge },
        });

  let server: http.Server | undefined;
  let port: number | undefined;
  if (env.MC_ROLE !== 'worker') {
    ({ server, port } = await listenHttp(app, httpServerOptions(env, env.EXECUTION_PORT)));
  }

  const listening = server;
  const close = closeInStages([
    () => (listening ? closeHttpServer(listening) : undefined),
    () => intake.drain(),
    () => workflows?.close(),
    () => outcomes.drain(),
    () => transports.close(),
    ...Object.values(queues).map((queue) => () => queue.close()),
    () => closeRedis(producerRedis),
    () => closeRedis(workerRedis),
    () => outages.close(),
    () => db.close(),
  ]);

  return { db, queues, intake, app, transports, processing, reconciliation, updateEventStatus, server, port, workers: workflows?.workers ?? [], close };
}
