import { Queue, Worker, UnrecoverableError, type Job, type JobsOptions, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { FaultLog, type Logger } from '@mc/observability';
import { SECOND, fieldErrorsOf } from '@mc/domain';
import type { QueueDefinition } from './queue-definition';
import type { JobCounter } from './queue-metrics';

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

/** The BullMQ queue of a catalog entry: jobs typed by its payload schema. */
export type CatalogQueue<D extends QueueDefinition> = Queue<z.input<D['payload']>>;

/** The queue of an app's catalog entry, with the entry's retry and retention as job defaults. */
export function createCatalogQueue<D extends QueueDefinition>(definition: D, context: QueueContext): CatalogQueue<D> {
  const queue = new Queue<z.input<D['payload']>>(definition.name, {
    connection: context.connection,
    prefix: context.prefix,
    defaultJobOptions: jobOptionsOf(definition),
  });
  const faults = new FaultLog(context.logger, { level: 'error' });
  queue.on('error', (error) => faults.report(error.message, 'queue error', { queue: definition.name, error: error.message }));
  return queue;
}

/**
 * Job data is `unknown` until it went through the catalog's schema; a job whose data does not
 * parse can never succeed, so it fails at once (no retries) with every field error in its reason.
 */
export function parseJobData<D extends QueueDefinition>(definition: D, data: unknown): z.output<D['payload']> {
  const result = definition.payload.safeParse(data);
  if (!result.success) {
    const problems = fieldErrorsOf(result.error)
      .map((field) => `${field.path || '(data)'} ${field.message}`)
      .join('; ');
    throw new UnrecoverableError(`Invalid ${definition.name} job data: ${problems}`);
  }
  return result.data as z.output<D['payload']>;
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
  /** Counts the jobs this worker completes and fails (`mc_jobs_total`). */
  jobs?: JobCounter;
}

export type CatalogProcessor<D extends QueueDefinition, R> = (
  data: z.output<D['payload']>,
  job: Job,
  token: string | undefined,
) => Promise<R>;

/** A worker for a catalog queue: parses job data first, logs failures with the queue's name. */
export function createCatalogWorker<D extends QueueDefinition, R>(definition: D, processor: CatalogProcessor<D, R>, options: WorkerOptions): Worker {
  const run: Processor = (job: Job, token?: string) => processor(parseJobData(definition, job.data), job, token);
  const worker = new Worker(definition.name, run, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency ?? 1,
    ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs, stalledInterval: Math.min(5_000, Math.ceil(options.lockDurationMs / 3)) } : {}),
  });
  // One line per kind of failure per interval, with a count: an outage fails every job alike.
  const faults = new FaultLog(options.logger);
  worker.on('error', (error) => faults.report(`error:${error.message}`, 'worker error', { queue: definition.name, error: error.message }));
  worker.on('completed', () => options.jobs?.inc({ queue: definition.name, outcome: 'completed' }));
  worker.on('failed', (job, error) => {
    options.jobs?.inc({ queue: definition.name, outcome: 'failed' });
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
