import type { Worker } from 'bullmq';
import { createCatalogWorker, type WorkerOptions } from '@mc/queues';
import { linkEvents } from './event-linking';
import { runEventProcessingJob, type EventProcessingContext } from './event-processing-job';
import { QUEUES } from '../queues';

/** `batchEventsProcessing`: a chunk of batch events per job, linked set-based, delivered grouped by template. */
export function startBatchEventsProcessing(context: EventProcessingContext, options: WorkerOptions): Worker {
  const link = (eventIds: readonly string[], attempt: number) => linkEvents(context, eventIds, () => attempt);
  return createCatalogWorker(QUEUES.batchEventsProcessing, (data, job, token) => runEventProcessingJob(context, link, data.eventIds, job, token), options);
}
