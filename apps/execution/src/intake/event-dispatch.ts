import type { EventKind } from '@mc/domain';
import { type ExecutionQueue } from '../queues';

/** What is needed to (re-)queue an event: intake and the reconciler both go through here. */
export interface DispatchableEvent {
  id: string;
  kind: EventKind;
  type: string;
  jobId: string;
  scheduledAt: Date | null;
}

export interface EventQueues {
  rt: ExecutionQueue<'rtEventsProcessing'>;
  batch: ExecutionQueue<'batchEventsProcessing'>;
}

function delayUntil(scheduledAt: Date | null, now: number): number {
  return scheduledAt ? Math.max(0, scheduledAt.getTime() - now) : 0;
}

/**
 * Queues events for linking: one job per `jobId` on the queue of their kind — an intake group of
 * real-time events on `rtEventsProcessing`, a chunk of a batch request on `batchEventsProcessing`
 * (each sharing one `scheduledAt`). Job ids make this idempotent: a job that exists is not added
 * twice. A scheduled event's job is delayed until `scheduledAt`.
 */
export async function dispatchEvents(queues: EventQueues, events: readonly DispatchableEvent[], now = Date.now()): Promise<void> {
  const jobs: Record<EventKind, Map<string, { name: string; eventIds: string[]; delay: number }>> = { rt: new Map(), batch: new Map() };
  for (const event of events) {
    const delay = delayUntil(event.scheduledAt, now);
    const job = jobs[event.kind].get(event.jobId);
    if (job) {
      job.eventIds.push(event.id);
      job.delay = Math.max(job.delay, delay);
    } else {
      jobs[event.kind].set(event.jobId, { name: event.kind === 'rt' ? event.type : 'chunk', eventIds: [event.id], delay });
    }
  }
  const bulk = (kind: EventKind) => [...jobs[kind]].map(([jobId, job]) => ({ name: job.name, data: { eventIds: job.eventIds }, opts: { jobId, delay: job.delay } }));
  const rt = bulk('rt');
  const batch = bulk('batch');
  await Promise.all([rt.length > 0 ? queues.rt.addBulk(rt) : undefined, batch.length > 0 ? queues.batch.addBulk(batch) : undefined]);
}
