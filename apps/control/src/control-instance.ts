import http from 'node:http';
import pg from 'pg';
import type { Worker } from 'bullmq';
import { DEVELOPMENT_SECRET_KEY, SecretBox, httpServerOptions } from '@mc/domain';
import { FaultLog, type Logger, OutageWatch } from '@mc/observability';
import { sealStoredCredentials } from './accounts/execution-instances';
import { failedAuthLimiter, listenHttp } from '@mc/http';
import { openControlDatabase, ping, type ControlDatabase } from '@mc/db';
import { closeRedis, createCatalogQueue, createRedisConnection } from '@mc/queues';
import { closeHttpServer, closeInStages } from '@mc/lifecycle';
import { TemplateRenderer } from '@mc/templates';
import type { ControlEnv } from './env';
import type { ControlServices } from './control-services';
import { createControlApp } from './app';
import { createControlMetrics } from './control-metrics';
import { adminTokenVerifier } from './admin-auth';
import { keepArchivingSchedulers, startArchivingWorker } from './workflows/archiving';
import { resumeUnfinishedPublications, startPublishingWorker } from './workflows/publishing';
import { QUEUES } from './queues';

/** Publishing jobs run at once per control process. */
const PUBLISHING_CONCURRENCY = 10;

export interface ControlInstance {
  db: ControlDatabase;
  services: ControlServices;
  server: http.Server;
  port: number;
  workers: Worker[];
  close(): Promise<void>;
}

/**
 * Wires the control instance: HTTP API, the `publishing` worker, the `archiving` worker, and at
 * start one archiving job scheduler per registered account (orphans removed). The database must
 * already be migrated.
 */
export async function startControlInstance(env: ControlEnv, logger: Logger): Promise<ControlInstance> {
  const poolFaults = new FaultLog(logger);
  // One line when PostgreSQL goes away and one when it is back, whatever noticed it first.
  const outages = new OutageWatch(logger, { PostgreSQL: () => ping(db.pool) });
  const observe = (error: unknown) => outages.observe(error);
  const onPoolError = (error: Error) => {
    poolFaults.report(error.message, 'PostgreSQL pool error', { error: error.message });
    outages.observe(error);
  };
  const db = openControlDatabase({ databaseUrl: env.CONTROL_DATABASE_URL, poolSize: 10, onError: onPoolError });
  // A publishing job holds a session lock for the length of its call to an instance: those
  // connections come from a pool of their own, one per job, so they can never take all of the
  // pool the job's own queries (and the HTTP API) need — which deadlocked the pool under load.
  const lockPool = new pg.Pool({ connectionString: env.CONTROL_DATABASE_URL, max: PUBLISHING_CONCURRENCY, connectionTimeoutMillis: 5_000 });
  lockPool.on('error', onPoolError);
  const producerRedis = createRedisConnection({ redisUrl: env.REDIS_URL, logger, role: 'producer' });
  const workerRedis = createRedisConnection({ redisUrl: env.REDIS_URL, logger, role: 'worker' });
  const queueContext = { connection: producerRedis, prefix: env.MC_CONTROL_QUEUE_PREFIX, logger };
  const calls = { timeoutMs: env.EXECUTION_CALL_TIMEOUT_MS, allowedHosts: env.MC_EXECUTION_URL_ALLOW };
  if (env.NODE_ENV === 'production' && !env.MC_EXECUTION_URL_ALLOW) {
    logger.warn('MC_EXECUTION_URL_ALLOW is not set: registration may point control at any host; list your execution instances');
  }
  if (!env.MC_SECRET_KEY) logger.warn('MC_SECRET_KEY is not set: stored credentials are sealed with a development key, which protects nothing');
  const secrets = new SecretBox(env.MC_SECRET_KEY ?? DEVELOPMENT_SECRET_KEY, env.MC_SECRET_KEY_PREVIOUS);
  await sealStoredCredentials(db.prisma, secrets, logger);
  const queues = { publishing: createCatalogQueue(QUEUES.publishing, queueContext), archiving: createCatalogQueue(QUEUES.archiving, queueContext) };
  const metrics = createControlMetrics(db.pool, Object.values(queues), { redis: producerRedis, queuePrefix: env.MC_CONTROL_QUEUE_PREFIX });
  const services: ControlServices = {
    prisma: db.prisma,
    pool: db.pool,
    redis: producerRedis,
    logger,
    renderer: new TemplateRenderer(),
    queues,
    metrics,
    secrets,
    archiving: {
      secrets,
      pool: db.pool,
      logger,
      pageSize: env.ARCHIVE_PAGE_SIZE,
      maxPagesPerRun: env.ARCHIVE_MAX_PAGES_PER_RUN,
      calls,
    },
    archiveEveryMs: env.ARCHIVE_EVERY_MS,
    calls,
    publishWaitMs: 5_000,
  };

  // One archiving scheduler per account, kept so: created at start, put back when removed (on
  // the dashboard) or changed, removed when its account is gone; checked every SCHEDULER_CHECK_EVERY_MS.
  const schedulers = keepArchivingSchedulers({
    queue: services.queues.archiving,
    accounts: async () => (await db.prisma.executionInstance.findMany({ select: { name: true } })).map((account) => account.name),
    everyMs: env.ARCHIVE_EVERY_MS,
    checkEveryMs: env.SCHEDULER_CHECK_EVERY_MS,
    logger,
    redis: workerRedis,
  });
  await schedulers.check();
  await resumeUnfinishedPublications(db.prisma, services.queues.publishing);

  const workerOptions = { connection: workerRedis, prefix: env.MC_CONTROL_QUEUE_PREFIX, logger, observe, jobs: metrics.jobs };
  const workers = [
    startPublishingWorker({ prisma: db.prisma, lockPool, logger, calls, secrets }, { ...workerOptions, concurrency: PUBLISHING_CONCURRENCY }),
    startArchivingWorker(services.archiving, { ...workerOptions, concurrency: 4 }),
  ];

  const auth = { verify: adminTokenVerifier(env.MC_ADMIN_TOKEN), failures: failedAuthLimiter(env) };
  const app = createControlApp(services, auth, {
    admin: { user: env.MC_ADMIN_USER, password: env.MC_ADMIN_PASSWORD, readOnly: env.MC_ADMIN_READ_ONLY },
    metricsToken: env.MC_METRICS_TOKEN,
    trustProxy: env.MC_TRUST_PROXY,
    observe,
  });
  const { server, port } = await listenHttp(app, httpServerOptions(env, env.CONTROL_PORT));
  const close = closeInStages([
    () => closeHttpServer(server),
    () => schedulers.close(),
    ...workers.map((worker) => () => worker.close()),
    () => services.queues.publishing.close(),
    () => services.queues.archiving.close(),
    () => closeRedis(producerRedis),
    () => closeRedis(workerRedis),
    () => outages.close(),
    () => lockPool.end(),
    () => db.close(),
  ]);
  return { db, services, server, port, workers, close };
}
