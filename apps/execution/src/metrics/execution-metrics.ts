import type pg from 'pg';
import type { Queue } from 'bullmq';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { registerQueueDepthGauge } from '@mc/queues';
import { countEventsByStatus } from '../sql/count-events-by-status';
import { updateEventStatusLag } from '../sql/update-event-status-lag';

/** Seconds, from 5 ms to 1 min: event latencies. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The execution instance's Prometheus metrics. Counters and histograms are updated where things
 * happen; queue depths, events by status and the status-sync lag are read when scraped.
 */
export class ExecutionMetrics {
  readonly registry = new Registry();
  readonly accepted = new Counter({ name: 'mc_events_accepted_total', help: 'Events stored by intake.', labelNames: ['kind'], registers: [this.registry] });
  readonly receivedToLinked = new Histogram({
    name: 'mc_event_received_to_linked_seconds',
    help: 'From intake to linked to a template.',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly receivedToSent = new Histogram({
    name: 'mc_event_received_to_sent_seconds',
    help: 'From intake to accepted by the SMTP server or SMS provider.',
    labelNames: ['channel'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly deliveries = new Counter({ name: 'mc_deliveries_total', help: 'Delivery outcomes.', labelNames: ['channel', 'outcome'], registers: [this.registry] });
  readonly bounces = new Counter({ name: 'mc_bounces_total', help: 'Bounces received for our deliveries: hard (permanent) or soft (delayed).', labelNames: ['kind'], registers: [this.registry] });
  readonly complaints = new Counter({ name: 'mc_complaints_total', help: 'Complaints (feedback reports) received for our deliveries.', registers: [this.registry] });
  readonly inboundMail = new Counter({ name: 'mc_inbound_mail_total', help: 'Messages taken by the inbound SMTP listener, by what they were taken for.', labelNames: ['outcome'], registers: [this.registry] });

  constructor(pool: pg.Pool, queues: Queue[], instance: string) {
    this.registry.setDefaultLabels({ instance });
    collectDefaultMetrics({ register: this.registry, prefix: 'mc_process_' });
    registerQueueDepthGauge(this.registry, queues);
    new Gauge({
      name: 'mc_events',
      help: 'Events by status.',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of await countEventsByStatus(pool)) this.set({ status: row.status }, row.count);
      },
    });
    new Gauge({
      name: 'mc_update_event_status_lag_seconds',
      help: 'Age of the oldest final delivery outcome not yet copied onto its event (0: caught up).',
      registers: [this.registry],
      async collect() {
        this.set(await updateEventStatusLag(pool));
      },
    });
  }

  secondsSince(date: Date): number {
    return Math.max(0, (Date.now() - date.getTime()) / 1000);
  }
}
