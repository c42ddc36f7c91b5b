import express from 'express';
import { createLogger } from '@mc/domain';
import { CONTROL_MIGRATIONS_DIR, openControlDatabase, prepareDatabase } from '@mc/db';
import { notFoundHandler, problemMiddleware } from '@mc/http';
import { assertPostgresReachable, assertRedisReachable, installGracefulShutdown, runMain } from '@mc/runtime';
import { readControlEnv } from './env';

/** Entry point of the control instance (a stub until issue 4): migrate, then serve /health and /ready. */
async function main(): Promise<void> {
  const env = readControlEnv();
  const logger = createLogger({ service: 'control', level: env.LOG_LEVEL, format: env.LOG_FORMAT });
  await Promise.all([assertPostgresReachable(env.CONTROL_DATABASE_URL, 'CONTROL_DATABASE_URL'), assertRedisReachable(env.REDIS_URL)]);
  await prepareDatabase({
    databaseUrl: env.CONTROL_DATABASE_URL,
    migrationsDir: CONTROL_MIGRATIONS_DIR,
    onApplied: (name, ms) => logger.info('migration applied', { migration: name, ms }),
  });
  const db = openControlDatabase({ databaseUrl: env.CONTROL_DATABASE_URL, poolSize: 5 });
  const app = express();
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', async (_req, res) => {
    await db.pool.query('SELECT 1');
    res.json({ status: 'ready' });
  });
  app.use(notFoundHandler, problemMiddleware(logger));
  const server = app.listen(env.CONTROL_PORT, () => logger.info('control instance started (stub)', { port: env.CONTROL_PORT }));
  installGracefulShutdown({
    logger,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
    },
  });
}

runMain('control', main);
