import type { Queue } from 'bullmq';
import { Gauge, type Registry } from 'prom-client';

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized', 'waiting-children'] as const;

/** `mc_queue_jobs{queue, state}`, read from Redis when scraped. */
export function registerQueueDepthGauge(registry: Registry, queues: readonly Queue[]): void {
  new Gauge({
    name: 'mc_queue_jobs',
    help: 'Jobs per queue and state.',
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
