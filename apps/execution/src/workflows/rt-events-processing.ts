import type { Worker } from 'bullmq';
import { createCatalogWorker, type WorkerOptions } from '@mc/queues';
import { runLinkingJob, type LinkingJobContext } from './linking-job';

/** `rtEventsProcessing`: one real-time event per job, linked as soon as it arrives. */
export function startRtEventsProcessing(context: LinkingJobContext, options: WorkerOptions): Worker {
  return createCatalogWorker('rtEventsProcessing', (data, job, token) => runLinkingJob(context, [data.eventId], job, token), options);
}
