/**
 * The baseline of real-time intake, spawned by intake-bench.ts: a bare Express app that parses
 * the body with the intake's own zod schema and calls one BullMQ `queue.add` — no database, no
 * auth, no batching. What intake would cost without durability. Environment: PORT, REDIS_URL,
 * MC_QUEUE_PREFIX.
 */
import { Queue } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';
// The one import of an app-internal package in bench/: the baseline validates with the same schema.
import { eventInputSchema } from '@mc/contract';
import { uuidv7 } from './support';

const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const queue = new Queue('rtEventsProcessing', {
  connection,
  prefix: process.env.MC_QUEUE_PREFIX,
  defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { count: 1000 } },
});
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/health', (_req, res) => void res.json({ status: 'ok' }));
app.post('/api/v1/events', express.json({ limit: 128 * 1024 }), async (req, res) => {
  const parsed = eventInputSchema.safeParse(req.body);
  if (!parsed.success) return void res.status(400).json({ error: 'invalid event' });
  const id = uuidv7();
  await queue.add(parsed.data.type, { eventId: id }, { jobId: id });
  res.status(202).json({ id, status: 'pending', kind: 'rt' });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
server.keepAliveTimeout = 65_000;
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => void queue.close().then(() => connection.quit()).finally(() => process.exit(0)));
});
