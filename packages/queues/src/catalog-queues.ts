import { Queue, Worker, UnrecoverableError, type Job, type JobsOptions, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { FaultLog, QUEUES, SECOND, fieldErrorsOf, type Logger, type QueueDefinition, type QueueName, type RetryPolicy } from '@mc/domain';

/** The BullMQ job options a catalog entry stands for. */
export function jobOptionsOf(definition: QueueDefinition): JobsOptions {
  return {
    attempts: definition.retry.attempts,
    backoff: { type: 'exponential', delay: definition.retry.backoff.delayMs, jitter: definition.retry.backoff.jitter },
    removeOnComplete: { count: definition.keepCompleted.count, age: Math.ceil(definition.keepCompleted.ageMs / SECOND) },
    removeOnFail: { age: Math.ceil(definition.keepFailedMs / SECOND) },
  };
}

export interface QueueContext {
  /** Shared by every queue of the process. */
  connection: Redis;
  /** Key prefix, hash-tagged (`{mc-local}`) so a queue's keys share a Redis Cluster slot. */
  prefix: string;
  logger: Logger;
}

export type CatalogQueue<N extends QueueName> = Queue<z.input<(typeof QUEUES)[N]['payload']>>;

/** A queue of the catalog; `retry` overrides the catalog's policy (from configuration). */
export function createCatalogQueue<N extends QueueName>(name: N, context: QueueContext, retry?: RetryPolicy): CatalogQueue<N> {
  const definition = QUEUES[name];
  const queue = new Queue<z.input<(typeof QUEUES)[N]['payload']>>(definition.name, {
    connection: context.connection,
    prefix: context.prefix,
    defaultJobOptions: jobOptionsOf(retry ? { ...definition, retry } : definition),
  });
  const faults = new FaultLog(context.logger, { level: 'error' });
  queue.on('error', (error) => faults.report(error.message, 'queue error', { queue: definition.name, error: error.message }));
  return queue;
}

/**
 * Job data is `unknown` until it went through the catalog's schema; a job whose data does not
 * parse can never succeed, so it fails at once (no retries) with every field error in its reason.
 */
export function parseJobData<N extends QueueName>(name: N, data: unknown): z.output<(typeof QUEUES)[N]['payload']> {
  const result = QUEUES[name].payload.safeParse(data);
  if (!result.success) {
    const problems = fieldErrorsOf(result.error)
      .map((field) => `${field.path || '(data)'} ${field.message}`)
      .join('; ');
    throw new UnrecoverableError(`Invalid ${name} job data: ${problems}`);
  }
  return result.data as z.output<(typeof QUEUES)[N]['payload']>;
}

export interface WorkerOptions extends QueueContext {
  /** Jobs processed at once by this worker; default 1. */
  concurrency?: number;
  /**
   * How long a job is locked by its worker (ms) before it counts as stalled; default BullMQ's
   * 30,000. Stalled jobs are looked for every third of it (at most every 5 s), so a dead worker's
   * jobs are taken over within about 1⅓ of it.
   */
  lockDurationMs?: number;
  /** Sees the error of every failed job (an outage watch starts from it). */
  observe?: (error: unknown) => void;
}

export type CatalogProcessor<N extends QueueName, R> = (
  data: z.output<(typeof QUEUES)[N]['payload']>,
  job: Job,
  token: string | undefined,
) => Promise<R>;

/** A worker for a catalog queue: parses job data first, logs failures with the queue's name. */
export function createCatalogWorker<N extends QueueName, R>(
  name: N,
  processor: CatalogProcessor<N, R>,
  options: WorkerOptions,
): Worker {
  const definition = QUEUES[name];
  const run: Processor = (job: Job, token?: string) => processor(parseJobData(name, job.data), job, token);
  const worker = new Worker(definition.name, run, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency ?? 1,
    ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs, stalledInterval: Math.min(5_000, Math.ceil(options.lockDurationMs / 3)) } : {}),
  });
  // One line per kind of failure per interval, with a count: an outage fails every job alike.
  const faults = new FaultLog(options.logger);
  worker.on('error', (error) => faults.report(`error:${error.message}`, 'worker error', { queue: definition.name, error: error.message }));
  worker.on('failed', (job, error) => {
    options.observe?.(error);
    faults.report(`failed:${error.message.replace(/[0-9a-f-]{36}|\d+/g, '#').slice(0, 80)}`, 'job failed', {
      queue: definition.name,
      jobId: job?.id,
      attemptsMade: job?.attemptsMade,
      error: error.message,
    });
  });
  return worker;
}
