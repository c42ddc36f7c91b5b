import type { Worker } from 'bullmq';
import type { WorkerOptions } from '@mc/queues';
import { startEventProcessingWorker, type EventProcessingContext } from './event-processing-job';
import { QUEUES } from '../queues';

/**
 * `rtEventsProcessing`: the real-time events of one intake group per job (one event at low
 * rates), linked and delivered as soon as they arrive.
 */
export function startRtEventsProcessing(context: EventProcessingContext, options: WorkerOptions): Worker {
  return startEventProcessingWorker(QUEUES.rtEventsProcessing, context, options);
}
