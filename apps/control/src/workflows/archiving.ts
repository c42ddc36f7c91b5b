import type pg from 'pg';
import type { ArchivePage } from '@mc/contract';
import type { Worker } from 'bullmq';
import { coerceError, type SecretBox } from '@mc/domain';
import { type Logger } from '@mc/observability';
import { openCredential } from '../accounts/execution-instances';
import type { Redis } from 'ioredis';
import { createCatalogWorker, keepSchedulers, type SchedulerKeeper, type WorkerOptions } from '@mc/queues';
import { ExecutionClient, type ExecutionCallOptions } from '../execution-client';
import { QUEUES, type ControlQueue } from '../queues';
import { loadArchivingAccount } from '../sql/load-archiving-account';
import { recordArchivingFailure } from '../sql/record-archiving-failure';
import { recordArchivingRun } from '../sql/record-archiving-run';
import { storeArchivePage } from '../sql/store-archive-page';

export interface ArchivingContext {
  pool: pg.Pool;
  logger: Logger;
  pageSize: number;
  maxPagesPerRun: number;
  calls: ExecutionCallOptions;
  /** Opens the accounts' sealed credentials. */
  secrets: SecretBox;
}

/** The job scheduler of an account: `archive-<name>`, as operators see it on the dashboard. */
export function archivingSchedulerId(instance: string): string {
  return `archive-${instance}`;
}

/**
 * One archiving run for one account: pulls its archive feed page after page (at most
 * `maxPagesPerRun`) and stores each page with the new cursor atomically. Reading and storing
 * overlap: page N+1 is read while page N is stored, and a read acknowledges only the pages
 * already stored (the feed's `ack`), so the execution instance never purges what control has not
 * kept. A run for an account that no longer exists does nothing.
 */
export async function runArchiving(context: ArchivingContext, instance: string): Promise<{ pages: number; events: number }> {
  const account = await loadArchivingAccount(context.pool, instance);
  if (!account) return { pages: 0, events: 0 };
  let cursor = account.archive_cursor;
  let pages = 0;
  let events = 0;
  let reading: Promise<ArchivePage> | undefined;
  try {
    const client = new ExecutionClient({ url: account.url, credential: openCredential(context.secrets, instance, account.credential) }, context.calls);
    const read = (after: string | null, stored: string | null) => {
      const answer = client.readArchive(after, stored, context.pageSize);
      // Handled where it is awaited; a read in flight while a page is stored must not count as unhandled.
      answer.catch(() => undefined);
      return answer;
    };
    reading = read(cursor, cursor);
    while (reading) {
      const page = await reading;
      reading = undefined;
      if (page.events.length === 0 && page.nextCursor === cursor) break;
      if (!page.caughtUp && pages + 1 < context.maxPagesPerRun) reading = read(page.nextCursor, cursor);
      if (!(await storeArchivePage(context.pool, instance, cursor, page))) break;
      pages += 1;
      events += page.events.length;
      cursor = page.nextCursor;
    }
    await recordArchivingRun(context.pool, instance);
  } catch (thrown) {
    const message = coerceError(thrown).message;
    await recordArchivingFailure(context.pool, instance, message);
    context.logger.warn('archiving failed', { instance, queue: 'archiving', error: message });
    throw thrown;
  }
  if (events > 0) context.logger.info('archived events', { instance, queue: 'archiving', pages, events });
  return { pages, events };
}

/**
 * Upserts the account's scheduler. BullMQ runs a new `every` scheduler's first job at once; when
 * the caller has just run the archiving itself (registration), `deferFirstRun` starts it one
 * interval later instead, so two runs do not race for the same pages.
 */
export async function ensureArchivingScheduler(queue: ControlQueue<'archiving'>, instance: string, everyMs: number, deferFirstRun = false): Promise<void> {
  await queue.upsertJobScheduler(
    archivingSchedulerId(instance),
    { every: everyMs, ...(deferFirstRun ? { startDate: Date.now() + everyMs } : {}) },
    { name: archivingSchedulerId(instance), data: { instance } },
  );
}

export async function removeArchivingScheduler(queue: ControlQueue<'archiving'>, instance: string): Promise<void> {
  await queue.removeJobScheduler(archivingSchedulerId(instance));
}

/**
 * One scheduler per account and none for accounts that are gone, kept so by `keepSchedulers`.
 * Idempotent (scheduler ids are the account names), so any number of control processes may run it.
 */
export function keepArchivingSchedulers(options: {
  queue: ControlQueue<'archiving'>;
  accounts: () => Promise<string[]>;
  everyMs: number;
  checkEveryMs: number;
  logger: Logger;
  redis: Redis;
}): SchedulerKeeper {
  return keepSchedulers({
    desired: async () => (await options.accounts()).map((instance) => ({ queue: options.queue, id: archivingSchedulerId(instance), everyMs: options.everyMs, data: { instance } })),
    owned: [{ queue: options.queue, prefix: archivingSchedulerId('') }],
    logger: options.logger,
    everyMs: options.checkEveryMs,
    redis: options.redis,
  });
}

export function startArchivingWorker(context: ArchivingContext, options: WorkerOptions): Worker {
  return createCatalogWorker(QUEUES.archiving, (data) => runArchiving(context, data.instance), options);
}
