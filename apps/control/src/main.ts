import { createLogger } from '@mc/observability';
import { CONTROL_MIGRATIONS_DIR, prepareDatabase, assertPostgresReachable } from '@mc/db';
import { assertPortFree, installGracefulShutdown, loadDotEnv, runMain } from '@mc/lifecycle';
import { assertRedisReachable } from '@mc/queues';
import { readControlEnv } from './env';
import { startControlInstance } from './control-instance';

/** Entry point of the control instance: `npm run start:control`. */
async function main(): Promise<void> {
  loadDotEnv();
  const env = readControlEnv();
  await assertPortFree(env.HOST, env.CONTROL_PORT, 'CONTROL_PORT');
  const logger = createLogger({ service: 'control', level: env.LOG_LEVEL, format: env.LOG_FORMAT });
  await Promise.all([assertPostgresReachable(env.CONTROL_DATABASE_URL, 'CONTROL_DATABASE_URL'), assertRedisReachable(env.REDIS_URL)]);
  await prepareDatabase({
    databaseUrl: env.CONTROL_DATABASE_URL,
    migrationsDir: CONTROL_MIGRATIONS_DIR,
    onApplied: (name, ms) => logger.info('migration applied', { migration: name, ms }),
  });
  const control = await startControlInstance(env, logger);
  installGracefulShutdown({ logger, close: () => control.close() });
  logger.info('control instance started', { port: control.port });
  if (!env.MC_ADMIN_TOKEN) logger.warn('MC_ADMIN_TOKEN is not set: every operator request will be refused (401)');
}

runMain('control', main);
