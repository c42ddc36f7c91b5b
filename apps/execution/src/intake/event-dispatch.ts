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
 * Queues events for linking: a real-time event is one `rtEventsProcessing` job whose id is the
 * event id; batch events go as one `batchEventsProcessing` job per `jobId` (a chunk of one
 * request, sharing one `scheduledAt`). Job ids make this idempotent: a job that exists is not
 * added twice. A scheduled event's job is delayed until `scheduledAt`.
 */
export async function dispatchEvents(queues: EventQueues, events: readonly DispatchableEvent[], now = Date.now()): Promise<void> {
  const rtJobs = [];
  const chunks = new Map<string, { eventIds: string[]; delay: number }>();
  for (const event of events) {
    const delay = delayUntil(event.scheduledAt, now);
    if (event.kind === 'rt') {
      rtJobs.push({ name: event.type, data: { eventId: event.id }, opts: { jobId: event.jobId, delay } });
    } else {
      const chunk = chunks.get(event.jobId);
      if (chunk) {
        chunk.eventIds.push(event.id);
        chunk.delay = Math.max(chunk.delay, delay);
      } else {
        chunks.set(event.jobId, { eventIds: [event.id], delay });
      }
    }
  }
  const batchJobs = [...chunks].map(([jobId, chunk]) => ({
    name: 'chunk',
    data: { eventIds: chunk.eventIds },
    opts: { jobId, delay: chunk.delay },
  }));
  await Promise.all([
    rtJobs.length > 0 ? queues.rt.addBulk(rtJobs) : undefined,
    batchJobs.length > 0 ? queues.batch.addBulk(batchJobs) : undefined,
  ]);
}
