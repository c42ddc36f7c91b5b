import type { Worker } from 'bullmq';
import type { WorkerOptions } from '@mc/queues';
import { startEventProcessingWorker, type EventProcessingContext } from './event-processing-job';
import { QUEUES } from '../queues';

/** `batchEventsProcessing`: a chunk of one batch request per job, on a queue of its own so bulk never delays real time. */
export function startBatchEventsProcessing(context: EventProcessingContext, options: WorkerOptions): Worker {
  return startEventProcessingWorker(QUEUES.batchEventsProcessing, context, options);
}
