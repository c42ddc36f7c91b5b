import type pg from 'pg';
import type { Queue } from 'bullmq';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { registerQueueDepthGauge } from '@mc/queues';
import { archiveLag } from './sql/archive-lag';
import { archivedCounts } from './sql/archived-counts';

/** The control instance's Prometheus metrics: queue depths and archive lag per account, read when scraped. */
export function createControlMetrics(pool: pg.Pool, queues: Queue[]): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'mc_process_' });
  registerQueueDepthGauge(registry, queues);
  new Gauge({
    name: 'mc_archive_lag_seconds',
    help: 'Seconds since each account\'s archive was last read successfully (-1: never).',
    labelNames: ['account'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await archiveLag(pool)) this.set({ account: row.name }, row.lag ?? -1);
    },
  });
  new Gauge({
    name: 'mc_archived_events',
    help: 'Events archived per account.',
    labelNames: ['account'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await archivedCounts(pool)) this.set({ account: row.name }, Number(row.count));
    },
  });
  return registry;
}
