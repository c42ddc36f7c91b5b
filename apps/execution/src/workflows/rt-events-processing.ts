import type { Worker } from 'bullmq';
import { createCatalogWorker, type WorkerOptions } from '@mc/queues';
import { runEventProcessingJob, type EventProcessingContext } from './event-processing-job';

/** `rtEventsProcessing`: one real-time event per job, linked and delivered as soon as it arrives. */
export function startRtEventsProcessing(context: EventProcessingContext, options: WorkerOptions): Worker {
  return createCatalogWorker('rtEventsProcessing', (data, job, token) => runEventProcessingJob(context, [data.eventId], job, token), options);
}
