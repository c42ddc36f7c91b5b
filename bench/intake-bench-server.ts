/**
 * The server side of `bench/intake-bench.ts`, run in a child process so that it has an event
 * loop of its own (as in production) instead of sharing one with the load generator.
 *
 *   ours      an execution instance (`startExecutionInstance`), configured from the environment
 *             the parent passes (role `api`, port 0, its own database and queue prefix).
 *   baseline  a bare Express app: `express.json()`, `eventInputSchema`, one `queue.add` on a
 *             BullMQ queue, 202. No database, no auth: what intake would cost without durability.
 *
 * `bench/e2e-bench.ts` runs `ours` too, with role `all` (intake and workers in one process).
 *
 * Speaks the child protocol of `bench-child.ts` (ready, cpu, clock, close).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createLogger, eventInputSchema, newEventId, type Logger } from '@mc/domain';
import { closeRedis, createCatalogQueue, createRedisConnection } from '@mc/queues';
import { readExecutionEnv } from '@mc/execution/src/env';
import { startExecutionInstance } from '@mc/execution/src/execution-instance';
import { serveChild, type RunningChild as Running } from './bench-child';

export type BenchServerMode = 'ours' | 'baseline';

async function startOurs(logger: Logger): Promise<Running> {
  const instance = await startExecutionInstance(readExecutionEnv(process.env), logger);
  if (instance.port === undefined) throw new Error('the execution instance does not listen (MC_ROLE must be api or all)');
  return { port: instance.port, close: () => instance.close() };
}

async function startBaseline(logger: Logger): Promise<Running> {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = process.env.MC_QUEUE_PREFIX;
  if (!prefix) throw new Error('MC_QUEUE_PREFIX is required');
  const redis = createRedisConnection({ redisUrl, logger, role: 'producer' });
  // The same catalog queue (same default job options) as intake's rtEventsProcessing.
  const queue = createCatalogQueue('rtEventsProcessing', { connection: redis, prefix, logger });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.post('/api/v1/events', express.json({ limit: 128 * 1024 }), async (req, res) => {
    const parsed = eventInputSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'invalid event' });
      return;
    }
    const id = newEventId();
    await queue.add(parsed.data.type, { eventId: id }, { jobId: id });
    res.status(202).json({ id, status: 'pending', kind: 'rt' });
  });

  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.close();
      await closeRedis(redis);
    },
  };
}

const mode = process.argv[2] as BenchServerMode | undefined;
const logger = createLogger({ service: `bench-${mode ?? 'server'}`, level: 'error', format: 'json' });
void serveChild(() => {
  if (mode === 'ours') return startOurs(logger);
  if (mode === 'baseline') return startBaseline(logger);
  throw new Error(`unknown mode ${String(mode)} (ours | baseline)`);
});
