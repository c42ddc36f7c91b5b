import type { Worker } from 'bullmq';
import { createCatalogWorker, type WorkerOptions } from '@mc/queues';
import { runEventProcessingJob, type EventProcessingContext } from './event-processing-job';

/** `batchEventsProcessing`: a chunk of batch events per job, linked set-based, delivered grouped by template. */
export function startBatchEventsProcessing(context: EventProcessingContext, options: WorkerOptions): Worker {
  return createCatalogWorker('batchEventsProcessing', (data, job, token) => runEventProcessingJob(context, data.eventIds, job, token), options);
}
