import type pg from 'pg';
import type { Redis } from 'ioredis';
import { uuidv7, type EventKind } from '@mc/domain';
import { type Logger } from '@mc/observability';
import { findEventsToReconcile, type EventToReconcile } from '../sql/find-events-to-reconcile';
import { assignJobIds } from '../sql/assign-job-ids';
import { dispatchEvents, type DispatchableEvent, type EventQueues } from '../intake/event-dispatch';
import type { ProcessingQueue } from '../queues';

export const PENDING_EVENTS_RECONCILIATION_SCHEDULER_ID = 'pending-events-reconciliation';

export interface ReconciliationContext {
  pool: pg.Pool;
  redis: Redis;
  queues: EventQueues;
  logger: Logger;
  /** Events younger than this (ms) are skipped: their enqueue may still be in flight. */
  graceMs: number;
  /** Events read per page; default 1,000. */
  pageSize?: number;
}


/**
 * Finds events whose dispatch job no longer exists in Redis (Redis restarted without its data,
 * queues obliterated, a crash between commit and enqueue, a job that failed for good) and
 * queues them again: `pending` events, and `pending_delivery` events whose delivery is still
 * pending and held by nobody. Pages through all of them older than the grace period.
 */
export async function reconcilePendingEvents(context: ReconciliationContext): Promise<{ checked: number; requeued: number }> {
  const pageSize = context.pageSize ?? 1_000;
  let checked = 0;
  let requeued = 0;
  let after: { createdAt: Date; id: string } | undefined;
  for (;;) {
    const rows = await findEventsToReconcile(context.pool, context.graceMs, after, pageSize);
    if (rows.length === 0) break;
    checked += rows.length;
    const missing = await withoutLiveJob(context, rows);
    if (missing.length > 0) {
      await dispatchEvents(context.queues, await assignFreshJobIds(context.pool, missing));
      requeued += missing.length;
    }
    const last = rows[rows.length - 1] as EventToReconcile;
    after = { createdAt: last.created_at, id: last.id };
    if (rows.length < pageSize) break;
  }
  if (requeued > 0) context.logger.warn('re-queued pending events that had no job', { checked, requeued });
  return { checked, requeued };
}

/**
 * The rows whose job is not live: gone from Redis, or finished (failed for good, or completed)
 * while its event is still pending — a worker that stalled twice, a job that exhausted its
 * attempts while PostgreSQL was away. A finished job is removed (it would only take room).
 */
async function withoutLiveJob(context: ReconciliationContext, rows: EventToReconcile[]): Promise<DispatchableEvent[]> {
  const queueOf = (kind: EventKind): ProcessingQueue =>
    kind === 'rt' ? context.queues.rt : context.queues.batch;
  const jobs = new Map<string, { queue: ProcessingQueue; jobId: string }>();
  for (const row of rows) jobs.set(queueOf(row.kind).toKey(row.job_id), { queue: queueOf(row.kind), jobId: row.job_id });
  const pipeline = context.redis.pipeline();
  for (const [key, { queue, jobId }] of jobs) {
    pipeline.exists(key);
    pipeline.zscore(queue.toKey('failed'), jobId);
    pipeline.zscore(queue.toKey('completed'), jobId);
  }
  const results = (await pipeline.exec()) ?? [];
  const live = new Set<string>();
  const finished: Array<{ queue: ProcessingQueue; jobId: string }> = [];
  [...jobs].forEach(([key, job], index) => {
    const exists = results[index * 3]?.[1] === 1;
    const done = results[index * 3 + 1]?.[1] != null || results[index * 3 + 2]?.[1] != null;
    if (exists && !done) live.add(key);
    else if (exists) finished.push(job);
  });
  await Promise.all(finished.map(({ queue, jobId }) => queue.remove(jobId)));
  return rows
    .filter((row) => !live.has(queueOf(row.kind).toKey(row.job_id)))
    .map((row) => ({ id: row.id, kind: row.kind, type: row.type, jobId: row.job_id, scheduledAt: row.scheduled_at }));
}

/**
 * A lost job (an intake group, a batch chunk) may straddle two pages of the scan; re-adding it
 * under its old id from the first page would hide the second page's events behind a job that
 * does not carry them. So the rescued events of each lost job get a new job id, recorded on the
 * events before queueing.
 */
async function assignFreshJobIds(pool: pg.Pool, events: DispatchableEvent[]): Promise<DispatchableEvent[]> {
  const fresh = new Map<string, string>();
  const rescued = events.map((event) => {
    const key = `${event.kind}:${event.jobId}`;
    let jobId = fresh.get(key);
    if (!jobId) {
      jobId = uuidv7();
      fresh.set(key, jobId);
    }
    return { ...event, jobId };
  });
  await assignJobIds(pool, rescued.map((event) => event.id), rescued.map((event) => event.jobId));
  return rescued;
}
