import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from 'bullmq';
import type { Express } from 'express';
import { coerceError, type Logger } from '@mc/domain';
import { openExecutionDatabase, type ExecutionDatabase } from '@mc/db';
import { closeRedis, createCatalogQueue, createRedisConnection, type CatalogQueue } from '@mc/queues';
import type { ExecutionEnv } from './env';
import { createExecutionApp } from './app';
import { EventIntake } from './intake/event-intake';
import type { EventQueues } from './intake/event-dispatch';
import { TemplateRenderer } from './templates/template-renderer';
import { createKeyVerifier, ensureBootstrapKey } from './api-keys/api-keys';
import { startRtEventsProcessing } from './workflows/rt-events-processing';
import { startBatchEventsProcessing } from './workflows/batch-events-processing';
import {
  ensureReconciliationScheduler,
  startPendingEventsReconciliation,
  type ReconciliationContext,
} from './workflows/pending-events-reconciliation';

export interface ExecutionInstance {
  db: ExecutionDatabase;
  queues: EventQueues & { reconciliation: CatalogQueue<'pendingEventsReconciliation'> };
  intake: EventIntake;
  app: Express;
  reconciliation: ReconciliationContext;
  /** Set when the `api` role listens. */
  server?: http.Server;
  /** The port it listens on (the real one when configured with 0). */
  port?: number;
  workers: Worker[];
  /** Idempotent: HTTP first, then the intake, workers, queues, Redis, PostgreSQL. */
  close(): Promise<void>;
}

/**
 * Wires an execution instance from its configuration and starts its roles: `api` (HTTP intake),
 * `worker` (rtEventsProcessing, batchEventsProcessing, the reconciler) or `all`.
 * The database must already be migrated (`prepareDatabase`).
 */
export async function startExecutionInstance(env: ExecutionEnv, logger: Logger): Promise<ExecutionInstance> {
  const db = openExecutionDatabase({
    databaseUrl: env.EXECUTION_DATABASE_URL,
    poolSize: env.DATABASE_POOL_SIZE,
    onError: (error) => logger.warn('PostgreSQL pool error', { error: error.message }),
  });
  const producerRedis = createRedisConnection({ redisUrl: env.REDIS_URL, logger, role: 'producer' });
  const workerRedis = createRedisConnection({ redisUrl: env.REDIS_URL, logger, role: 'worker' });
  const queueContext = { connection: producerRedis, prefix: env.MC_QUEUE_PREFIX, logger };
  const queues = {
    rt: createCatalogQueue('rtEventsProcessing', queueContext),
    batch: createCatalogQueue('batchEventsProcessing', queueContext),
    reconciliation: createCatalogQueue('pendingEventsReconciliation', queueContext),
  };
  const intake = new EventIntake({ pool: db.pool, queues, logger });
  const renderer = new TemplateRenderer();
  const reconciliation: ReconciliationContext = {
    pool: db.pool,
    redis: workerRedis,
    queues,
    logger,
    graceMs: env.RECONCILE_GRACE_MS,
  };

  if (env.MC_API_KEY) {
    await ensureBootstrapKey(db.prisma, { name: 'bootstrap-producer', key: env.MC_API_KEY, scopes: ['events:write', 'events:read'] });
  }
  if (env.MC_CONTROL_CREDENTIAL) {
    await ensureBootstrapKey(db.prisma, { name: 'bootstrap-control', key: env.MC_CONTROL_CREDENTIAL, scopes: ['control'] });
  }

  const app = createExecutionApp({
    prisma: db.prisma,
    pool: db.pool,
    redis: producerRedis,
    intake,
    renderer,
    verify: createKeyVerifier(db.prisma, { cacheMs: env.API_KEY_CACHE_MS }),
    logger,
    rtBodyLimitBytes: env.RT_BODY_LIMIT_BYTES,
    batchBodyLimitBytes: env.BATCH_BODY_LIMIT_BYTES,
    rateLimitPerSecond: env.INTAKE_RATE_LIMIT_PER_SECOND,
  });

  const workers: Worker[] = [];
  if (env.MC_ROLE !== 'api') {
    const workerContext = { connection: workerRedis, prefix: env.MC_QUEUE_PREFIX, logger };
    const linking = { pool: db.pool, renderer, logger };
    workers.push(
      startRtEventsProcessing(linking, { ...workerContext, concurrency: env.RT_WORKER_CONCURRENCY }),
      startBatchEventsProcessing(linking, { ...workerContext, concurrency: env.BATCH_WORKER_CONCURRENCY }),
      await startPendingEventsReconciliation(reconciliation, queues.reconciliation, env.RECONCILE_EVERY_MS, workerContext),
    );
    // A Redis that restarted without its data lost the job scheduler too: put it back on reconnect.
    workerRedis.on('ready', () => {
      ensureReconciliationScheduler(queues.reconciliation, env.RECONCILE_EVERY_MS).catch((thrown: unknown) =>
        logger.warn('could not restore the reconciliation scheduler', { error: coerceError(thrown).message }),
      );
    });
  }

  let server: http.Server | undefined;
  let port: number | undefined;
  if (env.MC_ROLE !== 'worker') {
    server = http.createServer(app);
    // Keep-alive longer than common load balancers' idle timeout, so they close first.
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server?.once('error', reject);
      server?.listen(env.EXECUTION_PORT, () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      if (server) {
        const listening = server;
        await new Promise<void>((resolve) => listening.close(() => resolve()));
      }
      await intake.drain();
      await Promise.all(workers.map((worker) => worker.close()));
      await Promise.all(Object.values(queues).map((queue) => queue.close()));
      await Promise.all([closeRedis(producerRedis), closeRedis(workerRedis)]);
      await db.close();
    })();
    return closing;
  };

  return { db, queues, intake, app, reconciliation, server, port, workers, close };
}
