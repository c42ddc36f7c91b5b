import type pg from 'pg';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Gauge } from 'prom-client';
import { InstanceMetrics, registerJobCounter, registerQueueDepthGauge, type JobCounter } from '@mc/queues';
import { archiveLag } from './sql/archive-lag';
import { archivedCounts } from './sql/archived-counts';

export interface ControlMetrics {
  scraped: InstanceMetrics;
  jobs: JobCounter;
}

/**
 * The control instance's Prometheus metrics: this process's (default, HTTP, `mc_jobs_total`) and,
 * from one control process at a time, the system-wide gauges: queue depths, and per registered
 * execution instance — `mc_instance`, its name, as its own metrics call it — the archive's lag and
 * how many of its events are archived (a column of its row, never a count over the archive).
 */
export function createControlMetrics(pool: pg.Pool, queues: Queue[], lease: { redis: Redis; queuePrefix: string }): ControlMetrics {
  const scraped = new InstanceMetrics({ redis: lease.redis, key: `${lease.queuePrefix}:metrics-exporter` });
  const system = [scraped.system];
  registerQueueDepthGauge(scraped.system, queues);
  new Gauge({
    name: 'mc_archive_lag_seconds',
    help: 'Seconds since the archive of each execution instance was last read successfully (-1: never).',
    labelNames: ['mc_instance'],
    registers: system,
    async collect() {
      this.reset();
      for (const row of await archiveLag(pool)) this.set({ mc_instance: row.name }, row.lag ?? -1);
    },
  });
  new Gauge({
    name: 'mc_archived_events',
    help: 'Events archived per execution instance.',
    labelNames: ['mc_instance'],
    registers: system,
    async collect() {
      this.reset();
      for (const row of await archivedCounts(pool)) this.set({ mc_instance: row.name }, Number(row.count));
    },
  });
  return { scraped, jobs: registerJobCounter(scraped.process) };
}
