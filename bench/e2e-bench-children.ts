/**
 * The helper processes of `bench/e2e-bench.ts` (the execution instance itself runs in
 * `intake-bench-server.ts ours`). Each speaks the protocol of `bench-child.ts`, plus:
 *
 *   sink    a real SMTP server (`startSmtpSink`) that reports every message it accepts as
 *           `{ received: [[eventId, messageId, atMs], …] }` — the `X-Message-Center-Event` and
 *           `Message-ID` headers and the `monoMs()` at which the message was complete — grouped
 *           every few milliseconds (the time is taken per message, so grouping costs no precision).
 *   bullmq  the baseline: on `{ run: { count, concurrency, workers } }`, `count` × `queue.add` on
 *           the real-time catalog queue (same job options), at most `concurrency` in flight, and a
 *           Worker with a no-op processor (concurrency `workers`) in the same process; answers
 *           `{ baseline: BaselineRun }` once every job completed.
 */
import { Worker } from 'bullmq';
import { createLogger } from '@mc/domain';
import { closeRedis, createCatalogQueue, createRedisConnection } from '@mc/queues';
import { startSmtpSink } from '@mc/smtp-sink';
import { monoMs, serveChild, type RunningChild } from './bench-child';

export type E2eChildMode = 'sink' | 'bullmq';

/** [X-Message-Center-Event, Message-ID, monoMs() when received]. */
export type ReceivedRecord = [eventId: string, messageId: string, atMs: number];

export interface BaselineRun {
  count: number;
  completed: number;
  /** monoMs() of the first add, after the last add resolved, and when the last job completed. */
  firstAddAt: number;
  addsDoneAt: number;
  lastCompletedAt: number;
  failed: number;
}

export type E2eChildMessage = { received: ReceivedRecord[] } | { baseline: BaselineRun } | { baselineError: string };

const send = (message: E2eChildMessage) => process.send?.(message);

/** The parent's commands beyond the common protocol (the baseline's `run`). */
let onOrder: ((message: unknown) => void) | undefined;

const EVENT_HEADER = /^X-Message-Center-Event:[ \t]*(\S+)/im;

async function startSink(): Promise<RunningChild> {
  const sink = await startSmtpSink({ keep: 0 });
  let pending: ReceivedRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const batch = pending;
    pending = [];
    if (batch.length > 0) send({ received: batch });
  };
  sink.onMessage((message) => {
    const at = monoMs();
    const headEnd = message.raw.search(/\r?\n\r?\n/);
    const eventId = EVENT_HEADER.exec(headEnd < 0 ? message.raw : message.raw.slice(0, headEnd))?.[1] ?? '';
    pending.push([eventId, message.messageId ?? '', at]);
    if (pending.length >= 500) flush();
    else timer ??= setTimeout(flush, 5);
  });
  return {
    port: sink.port,
    async close() {
      if (timer) clearTimeout(timer);
      flush();
      await sink.close();
    },
  };
}

async function startBullmq(): Promise<RunningChild> {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = process.env.MC_QUEUE_PREFIX;
  if (!prefix) throw new Error('MC_QUEUE_PREFIX is required');
  const logger = createLogger({ service: 'bench-bullmq', level: 'error', format: 'json' });
  const producer = createRedisConnection({ redisUrl, logger, role: 'producer' });
  const consumer = createRedisConnection({ redisUrl, logger, role: 'worker' });
  // The same catalog queue (same default job options) as intake's rtEventsProcessing.
  const queue = createCatalogQueue('rtEventsProcessing', { connection: producer, prefix, logger });
  await queue.waitUntilReady();
  let worker: Worker | undefined;
  let current: { run: BaselineRun; done: () => void } | undefined;

  const run = async (count: number, concurrency: number, workers: number) => {
    if (!worker) {
      worker = new Worker(queue.name, () => Promise.resolve(), { connection: consumer, prefix, concurrency: workers });
      worker.on('error', (error) => logger.error('baseline worker error', { error: error.message }));
    }
    await worker.waitUntilReady();
    const result: BaselineRun = { count, completed: 0, firstAddAt: 0, addsDoneAt: 0, lastCompletedAt: 0, failed: 0 };
    const finished = new Promise<void>((done) => (current = { run: result, done }));
    const onCompleted = () => {
      if (!current) return;
      current.run.completed += 1;
      current.run.lastCompletedAt = monoMs();
      if (current.run.completed >= current.run.count) current.done();
    };
    const onFailed = () => {
      if (current) current.run.failed += 1;
    };
    worker.on('completed', onCompleted);
    worker.on('failed', onFailed);
    const tag = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    let next = 0;
    result.firstAddAt = monoMs();
    await Promise.all(
      Array.from({ length: Math.min(concurrency, count) }, async () => {
        for (let index = next++; index < count; index = next++) {
          const id = `${tag}-${index}`;
          await queue.add('bench', { eventId: id }, { jobId: id });
        }
      }),
    );
    result.addsDoneAt = monoMs();
    const timeout = new Promise<void>((done) => setTimeout(done, 60_000).unref());
    await Promise.race([finished, timeout]);
    worker.off('completed', onCompleted);
    worker.off('failed', onFailed);
    current = undefined;
    return result;
  };

  onOrder = (message: unknown) => {
    const order = (message as { run?: { count: number; concurrency: number; workers: number } }).run;
    if (!order) return;
    run(order.count, order.concurrency, order.workers).then(
      (result) => send({ baseline: result }),
      (thrown: unknown) => send({ baselineError: thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown) }),
    );
  };

  return {
    port: 0,
    async close() {
      await worker?.close();
      await queue.close();
      await closeRedis(producer);
      await closeRedis(consumer);
    },
  };
}

const mode = process.argv[2] as E2eChildMode | undefined;
void serveChild(
  () => {
    if (mode === 'sink') return startSink();
    if (mode === 'bullmq') return startBullmq();
    throw new Error(`unknown mode ${String(mode)} (sink | bullmq)`);
  },
  (message) => onOrder?.(message),
);
