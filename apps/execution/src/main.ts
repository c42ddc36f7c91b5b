import { createLogger } from '@mc/observability';
import { EXECUTION_MIGRATIONS_DIR, prepareDatabase, assertPostgresReachable } from '@mc/db';
import { assertPortFree, installGracefulShutdown, loadDotEnv, runMain } from '@mc/lifecycle';
import { assertRedisReachable } from '@mc/queues';
import { readExecutionEnv, rolesOf } from './env';
import { startExecutionInstance } from './execution-instance';

/** Entry point of an execution instance: `npm run start:execution` (or `tsx apps/execution/src/main.ts`). */
async function main(): Promise<void> {
  loadDotEnv();
  const env = readExecutionEnv();
  // Before anything is started or printed: a second instance on the same port stops here.
  const roles = rolesOf(env);
  if (roles.http) await assertPortFree(env.HOST, env.EXECUTION_PORT, 'EXECUTION_PORT');
  if (roles.inbound) await assertPortFree(env.INBOUND_SMTP_HOST, env.INBOUND_SMTP_PORT, 'INBOUND_SMTP_PORT');
  const logger = createLogger({ service: 'execution', instance: env.MC_INSTANCE_NAME, level: env.LOG_LEVEL, format: env.LOG_FORMAT });
  await Promise.all([assertPostgresReachable(env.EXECUTION_DATABASE_URL, 'EXECUTION_DATABASE_URL'), assertRedisReachable(env.REDIS_URL)]);
  const migration = await prepareDatabase({
    databaseUrl: env.EXECUTION_DATABASE_URL,
    migrationsDir: EXECUTION_MIGRATIONS_DIR,
    onApplied: (name, ms) => logger.info('migration applied', { migration: name, ms }),
  });
  if (migration.created) logger.info('database created', { database: new URL(env.EXECUTION_DATABASE_URL).pathname.slice(1) });
  const instance = await startExecutionInstance(env, logger);
  installGracefulShutdown({ logger, close: () => instance.close() });
  logger.info('execution instance started', {
    role: env.MC_ROLE,
    port: instance.port,
    queuePrefix: env.MC_QUEUE_PREFIX,
    workers: instance.workers.map((worker) => worker.name),
  });
  if (!env.MC_API_KEY) {
    logger.warn('MC_API_KEY is not set: create a producer key with `npm run keys -- create <name>`');
  }
}

runMain('execution', main);
