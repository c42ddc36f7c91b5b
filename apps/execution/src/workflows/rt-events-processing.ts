import type { Worker } from 'bullmq';
import { createCatalogWorker, type WorkerOptions } from '@mc/queues';
import { createGroupedLinker } from './event-linking';
import { runEventProcessingJob, type EventProcessingContext } from './event-processing-job';
import { QUEUES } from '../queues';

/**
 * `rtEventsProcessing`: one real-time event per job, linked and delivered as soon as it arrives.
 * The jobs running at once in this process share their linking statements (see `createGroupedLinker`).
 */
export function startRtEventsProcessing(context: EventProcessingContext, options: WorkerOptions): Worker {
  const linkOne = createGroupedLinker(context);
  const link = async (eventIds: readonly string[], attempt: number) => linkOne(eventIds[0] as string, attempt);
  return createCatalogWorker(QUEUES.rtEventsProcessing, (data, job, token) => runEventProcessingJob(context, link, [data.eventId], job, token), options);
}
