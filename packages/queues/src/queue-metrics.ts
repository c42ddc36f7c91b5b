import type { Queue } from 'bullmq';
import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * The states whose job counts are gauges. Not `completed`: BullMQ keeps only the last N completed
 * jobs (removeOnComplete), so that count says nothing; `mc_jobs_total` counts them instead.
 */
const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized', 'waiting-children'] as const;

/** `mc_queue_jobs{queue, state}`, read from Redis when scraped: a system-wide figure (see InstanceMetrics). */
export function registerQueueDepthGauge(registry: Registry, queues: readonly Queue[]): void {
  new Gauge({
    name: 'mc_queue_jobs',
    help: 'Jobs per queue and state, system-wide (exported by one process of the instance).',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const queue of queues) {
        const counts = await queue.getJobCounts(...JOB_STATES);
        for (const state of JOB_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
      }
    },
  });
}

/** `mc_jobs_total{queue, outcome}`: jobs this process's workers finished (`completed`) or failed (`failed`, one per failed try). */
export type JobCounter = Counter<'queue' | 'outcome'>;

export function registerJobCounter(registry: Registry): JobCounter {
  return new Counter({ name: 'mc_jobs_total', help: "Jobs this process's workers completed or failed (each failed try), per queue.", labelNames: ['queue', 'outcome'], registers: [registry] });
}
