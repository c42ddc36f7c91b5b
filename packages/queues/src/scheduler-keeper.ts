import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { coerceError } from '@mc/domain';
import { type Logger } from '@mc/observability';

/** A job scheduler as it should be. */
export interface DesiredScheduler {
  // `any` data: schedulers of several catalog queues live in one list; each queue's payload was typed where it was built.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  queue: Queue<any>;
  /** Scheduler id, also the name its jobs carry on the dashboard (no `:`). */
  id: string;
  everyMs: number;
  data: Record<string, unknown>;
}

export interface SchedulerKeeperOptions {
  /** What should exist now (read again at every check: accounts come and go). */
  desired: () => Promise<DesiredScheduler[]>;
  /** Schedulers on these queues whose id starts with `prefix` and that are not desired are removed. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  owned?: Array<{ queue: Queue<any>; prefix: string }>;
  logger: Logger;
  /** How often to check (ms). */
  everyMs: number;
  /** Checked again when this connection is back (a Redis that restarted empty lost them all). */
  redis?: Redis;
}

export interface SchedulerKeeper {
  /** One check now: creates what is missing, puts back what was changed, removes orphans. */
  check(): Promise<{ restored: number; removed: number }>;
  close(): void;
}

/**
 * Keeps the job schedulers as they should be, whatever happens to them: removed on the
 * dashboard, changed by hand, lost with a Redis that restarted empty. Every `everyMs` (and when
 * Redis is back) each desired scheduler is compared with Redis, put back if missing or changed,
 * and each restoration is logged; schedulers nobody wants any more are removed. The first check
 * (at start) creates them quietly.
 */
export function keepSchedulers(options: SchedulerKeeperOptions): SchedulerKeeper {
  let first = true;
  let running: Promise<{ restored: number; removed: number }> | undefined;

  async function checkOnce(): Promise<{ restored: number; removed: number }> {
    // What exists first, what is wanted second: one created in between is kept.
    const existing = await Promise.all((options.owned ?? []).map(async (owned) => ({ ...owned, schedulers: await owned.queue.getJobSchedulers(0, -1) })));
    const desired = await options.desired();
    let restored = 0;
    for (const scheduler of desired) {
      const current = await scheduler.queue.getJobScheduler(scheduler.id);
      const every = current?.every === undefined ? undefined : Number(current.every);
      if (current && every === scheduler.everyMs) continue;
      await scheduler.queue.upsertJobScheduler(scheduler.id, { every: scheduler.everyMs }, { name: scheduler.id, data: scheduler.data });
      if (!first) {
        restored += 1;
        options.logger.warn(current ? 'job scheduler was changed; put back' : 'job scheduler was missing; restored', {
          queue: scheduler.queue.name,
          scheduler: scheduler.id,
          everyMs: scheduler.everyMs,
          ...(current ? { foundEveryMs: every ?? current.pattern } : {}),
        });
      }
    }
    const wanted = new Set(desired.map((scheduler) => `${scheduler.queue.name}/${scheduler.id}`));
    let removed = 0;
    for (const owned of existing) {
      for (const scheduler of owned.schedulers) {
        if (!scheduler.key.startsWith(owned.prefix) || wanted.has(`${owned.queue.name}/${scheduler.key}`)) continue;
        await owned.queue.removeJobScheduler(scheduler.key);
        removed += 1;
        options.logger.info('job scheduler no longer wanted; removed', { queue: owned.queue.name, scheduler: scheduler.key });
      }
    }
    first = false;
    return { restored, removed };
  }

  const check = () => {
    // One check at a time: the timer and a reconnect may ask together.
    running ??= checkOnce().finally(() => {
      running = undefined;
    });
    return running;
  };
  const background = () => {
    check().catch((thrown: unknown) => options.logger.warn('could not check the job schedulers', { error: coerceError(thrown).message }));
  };
  const timer = setInterval(background, options.everyMs);
  timer.unref();
  options.redis?.on('ready', background);
  return {
    check,
    close() {
      clearInterval(timer);
      options.redis?.off('ready', background);
    },
  };
}
