import type http from 'node:http';
import type { Worker } from 'bullmq';
import type { Express } from 'express';
import { FaultLog, type Logger, OutageWatch } from '@mc/observability';
import { MINUTE, httpServerOptions } from '@mc/domain';
import { failedAuthLimiter, listenHttp } from '@mc/http';
import { openExecutionDatabase, ping, type ExecutionDatabase } from '@mc/db';
import { closeRedis, createCatalogQueue, createRedisConnection } from '@mc/queues';
import { closeHttpServer, closeInStages } from '@mc/lifecycle';
import { TemplateRenderer } from '@mc/templates';
import { rolesOf, type ExecutionEnv } from './env';
import { createExecutionApp, monitoringApp } from './app';
import { EventIntake } from './intake/event-intake';
import type { EventQueues } from './intake/event-dispatch';
import { createKeyVerifier, reconcileBootstrapKeys } from './api-keys/api-keys';
import type { Transports } from './delivery/channel-senders';
import type { EventProcessingContext } from './workflows/event-processing-job';
import type { ReconciliationContext } from './workflows/pending-events-reconciliation';
import type { UpdateEventStatusContext } from './workflows/update-event-status';
import { startWorkflows, type Workflows } from './workflows/start-workflows';
import { outboxRoutes } from './http/outbox-routes';
import { ExecutionMetrics } from './metrics/execution-metrics';
import { QUEUES, type ExecutionQueue } from './queues';
import { startInboundSmtp, type InboundSmtp } from './inbound/inbound-smtp';

export interface ExecutionInstance {
  db: ExecutionDatabase;
  queues: EventQueues & {
    reconciliation: ExecutionQueue<'pendingEventsReconciliation'>;
    updateEventStatus: ExecutionQueue<'updateEventStatus'>;
    purge: ExecutionQueue<'purgeArchivedEvents'>;
    webhookDelivery: ExecutionQueue<'webhookDelivery'>;
    webhookFanout: ExecutionQueue<'webhookFanout'>;
  };
  /** The `api` role: HTTP intake and the API (undefined in a `worker` process). */
  intake?: EventIntake;
  app?: Express;
  /** The `worker` role: senders and what processing jobs run with (undefined in an `api` process). */
  transports?: Transports;
  processing?: EventProcessingContext;
  /** The scheduled workflows' contexts (no I/O of their own): what their jobs, and tests, run. */
  reconciliation: ReconciliationContext;
  updateEventStatus: UpdateEventStatusContext;
  /** Set when the `api` role listens, or a process without it on WORKER_METRICS_PORT (monitoring only). */
  server?: http.Server;
  /** The port it listens on (the real one when configured with 0). */
  port?: number;
  workers: Worker[];
  /** The `inbound` role (with MC_BOUNCE_DOMAIN): the SMTP listener for bounces and complaints. */
  inbound?: InboundSmtp;
  /** Idempotent: HTTP and the inbound listener first, then intake, workers, pending outcome records, transports, queues, Redis, PostgreSQL. */
  close(): Promise<void>;
}

/**
 * Wires an execution instance from its configuration and starts its roles, each with only what
 * it needs: `api` (HTTP intake and the API: no transports, no workers), `worker` (the workflows
 * and the transports: no HTTP) or `all`. The database must already be migrated (`prepareDatabase`).
 */
export async function startExecutionInstance(env: ExecutionEnv, logger: Logger): Promise<ExecutionInstance> {
  const poolFaults = new FaultLog(logger);
  // One line when PostgreSQL goes away and one when it is back, whatever noticed it first.
  const outages = new OutageWatch(logger, { PostgreSQL: () => ping(db.pool) });
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
  const queueContext = { connection: producerRedis, prefix: env.MC_QUEUE_PREFIX, logger };
  const queues = {
    rt: createCatalogQueue(QUEUES.rtEventsProcessing, queueContext),
    batch: createCatalogQueue(QUEUES.batchEventsProcessing, queueContext),
    reconciliation: createCatalogQueue(QUEUES.pendingEventsReconciliation, queueContext),
    updateEventStatus: createCatalogQueue(QUEUES.updateEventStatus, queueContext),
    purge: createCatalogQueue(QUEUES.purgeArchivedEvents, queueContext),
    webhookDelivery: createCatalogQueue(QUEUES.webhookDelivery, queueContext),
    webhookFanout: createCatalogQueue(QUEUES.webhookFanout, queueContext),
  };
  const metrics = new ExecutionMetrics({ pool: db.pool, queues: Object.values(queues), instance: env.MC_INSTANCE_NAME, redis: producerRedis, queuePrefix: env.MC_QUEUE_PREFIX });
  const reconciliation: ReconciliationContext = { pool: db.pool, redis: producerRedis, queues, logger, graceMs: env.RECONCILE_GRACE_MS };
  const updateEventStatus: UpdateEventStatusContext = { pool: db.pool, logger, batchSize: env.UPDATE_EVENT_STATUS_BATCH_SIZE, maxRunMs: 1 * MINUTE, finalized: metrics.eventsFinal };

  const roles = rolesOf(env);
  let workerRedis: ReturnType<typeof createRedisConnection> | undefined;
  let workflows: Workflows | undefined;
  if (roles.workflows) {
    workerRedis = createRedisConnection({ redisUrl: env.REDIS_URL, logger, role: 'worker' });
    workflows = await startWorkflows({
      env,
      logger,
      observe,
      pool: db.pool,
      redis: workerRedis,
      metrics,
      reconciliation,
      updateEventStatus,
      purge: { pool: db.pool, logger, retentionMs: env.PURGE_RETENTION_MS, batchSize: 5_000 },
      webhookFanout: { pool: db.pool, logger, queue: queues.webhookDelivery, pageSize: 1_000 },
      webhookDelivery: {
        pool: db.pool,
        logger,
        queue: queues.webhookDelivery,
        retry: { scheduleMs: env.WEBHOOK_RETRY_SCHEDULE_MS, giveUpAfterMs: env.WEBHOOK_GIVE_UP_AFTER_MS },
        disableAfterMs: env.WEBHOOK_DISABLE_AFTER_MS,
        timeoutMs: env.WEBHOOK_TIMEOUT_MS,
        allowPrivateAddresses: env.WEBHOOK_ALLOW_PRIVATE_ADDRESSES,
        attempts: metrics.webhookAttempts,
      },
      schedulerQueues: { reconciliation: queues.reconciliation, updateEventStatus: queues.updateEventStatus, purge: queues.purge, webhookFanout: queues.webhookFanout },
    });
  }

  let intake: EventIntake | undefined;
  let app: Express | undefined;
  if (roles.http) {
    // Processes that serve HTTP own the bootstrap keys: a worker started without the variables
    // must not revoke the keys its instance's API processes were given.
    await reconcileBootstrapKeys(
      db.prisma,
      [
        { name: 'bootstrap-producer', key: env.MC_API_KEY, scopes: ['events:write', 'events:read'], variable: 'MC_API_KEY' },
        { name: 'bootstrap-control', key: env.MC_CONTROL_CREDENTIAL, scopes: ['control'], variable: 'MC_CONTROL_CREDENTIAL' },
      ],
      logger,
    );
    intake = new EventIntake({ pool: db.pool, queues, logger, metrics, observe });
    // The development sink keeps its mail in the process that sends: its outbox shows in `all` only.
    const sink = workflows?.transports.sink;
    app = createExecutionApp({
      prisma: db.prisma,
      pool: db.pool,
      redis: producerRedis,
      intake,
      queues,
      renderer: new TemplateRenderer(),
      auth: { verify: createKeyVerifier(db.prisma, { cacheMs: env.API_KEY_CACHE_MS }), failures: failedAuthLimiter(env) },
      trustProxy: env.MC_TRUST_PROXY,
      metricsToken: env.MC_METRICS_TOKEN,
      smsReceiptToken: env.SMS_RECEIPT_TOKEN,
      emailFeedbackToken: env.EMAIL_FEEDBACK_TOKEN,
      webhookSecretGraceMs: env.WEBHOOK_SECRET_GRACE_MS,
      soap: {
        sessionTtlMs: env.SOAP_SESSION_TTL_MS,
        faultHttpStatus: env.SOAP_FAULT_HTTP_STATUS,
        bodyLimitBytes: env.BATCH_BODY_LIMIT_BYTES,
        pushEventLimitBytes: env.RT_BODY_LIMIT_BYTES,
        rateLimitPerSecond: env.INTAKE_RATE_LIMIT_PER_SECOND,
        pingPendingThreshold: env.MC_PING_PENDING_THRESHOLD,
        instanceName: env.MC_INSTANCE_NAME,
      },
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
        extraRoutes: sink ? outboxRoutes(sink) : undefined,
      },
    });
  }

  let server: http.Server | undefined;
  let port: number | undefined;
  if (app) ({ server, port } = await listenHttp(app, httpServerOptions(env, env.EXECUTION_PORT)));
  else if (env.WORKER_METRICS_PORT !== undefined) {
    // No API here: only what Prometheus and an orchestrator need.
    ({ server, port } = await listenHttp(monitoringApp({ pool: db.pool, redis: producerRedis, metrics, metricsToken: env.MC_METRICS_TOKEN, failures: failedAuthLimiter(env), logger }), httpServerOptions(env, env.WORKER_METRICS_PORT)));
  }

  let inbound: InboundSmtp | undefined;
  if (roles.inbound && env.MC_BOUNCE_DOMAIN && env.MC_BOUNCE_SECRET) {
    inbound = await startInboundSmtp(
      { pool: db.pool, logger, metrics, bounces: { domain: env.MC_BOUNCE_DOMAIN, secret: env.MC_BOUNCE_SECRET } },
      { host: env.INBOUND_SMTP_HOST, port: env.INBOUND_SMTP_PORT, maxBytes: env.INBOUND_MAX_BYTES },
    );
    logger.info('inbound SMTP listening', { domain: env.MC_BOUNCE_DOMAIN, port: inbound.port });
  }

  const listening = server;
  const close = closeInStages([
    () => (listening ? closeHttpServer(listening) : undefined),
    () => inbound?.close(),
    () => intake?.drain(),
    () => workflows?.close(),
    ...Object.values(queues).map((queue) => () => queue.close()),
    () => closeRedis(producerRedis),
    () => (workerRedis ? closeRedis(workerRedis) : undefined),
    () => outages.close(),
    () => db.close(),
  ]);

  return {
    db,
    queues,
    intake,
    app,
    transports: workflows?.transports,
    processing: workflows?.processing,
    reconciliation,
    updateEventStatus,
    server,
    port,
    workers: workflows?.workers ?? [],
    inbound,
    close,
  };
}
