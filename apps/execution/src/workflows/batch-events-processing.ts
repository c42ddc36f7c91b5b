import type { Worker } from 'bullmq';
import { createCatalogWorker, type WorkerOptions } from '@mc/queues';
import { runLinkingJob, type LinkingJobContext } from './linking-job';

/** `batchEventsProcessing`: a chunk of batch events per job, linked set-based in one pass. */
export function startBatchEventsProcessing(context: LinkingJobContext, options: WorkerOptions): Worker {
  return createCatalogWorker('batchEventsProcessing', (data, job, token) => runLinkingJob(context, data.eventIds, job, token), options);
}
