import type pg from 'pg';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Counter, Gauge, Histogram } from 'prom-client';
import { InstanceMetrics, registerJobCounter, registerQueueDepthGauge } from '@mc/queues';
import { countBacklog } from '../sql/count-backlog';
import { updateEventStatusLag } from '../sql/update-event-status-lag';

/** Seconds, from 5 ms to 1 min: event latencies. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface ExecutionMetricsOptions {
  pool: pg.Pool;
  queues: Queue[];
  /** MC_INSTANCE_NAME: the `mc_instance` label of every series (Prometheus keeps `instance` for the scraped target). */
  instance: string;
  /** Where the processes of the instance agree on which one exports the system-wide gauges. */
  redis: Redis;
  queuePrefix: string;
}

/**
 * The execution instance's Prometheus metrics. This process's counters and histograms are
 * updated where things happen (sum them over processes); the system-wide gauges — queue depths,
 * the backlog of unfinished events, the status-copy lag — are read when scraped, on one process
 * only (InstanceMetrics). No scrape scans a table: the backlog is read through the status index.
 */
export class ExecutionMetrics {
  readonly scraped: InstanceMetrics;
  readonly registry;
  readonly accepted;
  readonly receivedToLinked;
  readonly receivedToSent;
  readonly deliveries;
  readonly eventsFinal;
  readonly bounces;
  readonly complaints;
  readonly inboundMail;
  readonly jobs;
  readonly webhookAttempts;

  constructor(options: ExecutionMetricsOptions) {
    this.scraped = new InstanceMetrics({ redis: options.redis, key: `${options.queuePrefix}:metrics-exporter` }, { mc_instance: options.instance });
    const registers = [this.scraped.process];
    this.registry = this.scraped.process;
    this.accepted = new Counter({ name: 'mc_events_accepted_total', help: 'Events stored by intake.', labelNames: ['kind'], registers });
    this.receivedToLinked = new Histogram({ name: 'mc_event_received_to_linked_seconds', help: 'From intake to linked to a template.', buckets: LATENCY_BUCKETS, registers });
    this.receivedToSent = new Histogram({
      name: 'mc_event_received_to_sent_seconds',
      help: 'From intake to accepted by the SMTP server or SMS provider.',
      labelNames: ['channel'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.deliveries = new Counter({ name: 'mc_deliveries_total', help: 'Delivery outcomes.', labelNames: ['channel', 'outcome'], registers });
    this.eventsFinal = new Counter({
      name: 'mc_events_final_total',
      help: 'Events that reached a final status here (a sent event that bounces later counts again as delivery_failed).',
      labelNames: ['status'],
      registers,
    });
    this.bounces = new Counter({ name: 'mc_bounces_total', help: 'Bounces received for our deliveries: hard (permanent) or soft (delayed).', labelNames: ['kind'], registers });
    this.complaints = new Counter({ name: 'mc_complaints_total', help: 'Complaints (feedback reports) received for our deliveries.', registers });
    this.inboundMail = new Counter({ name: 'mc_inbound_mail_total', help: 'Messages taken by the inbound SMTP listener, by what they were taken for.', labelNames: ['outcome'], registers });
    this.webhookAttempts = new Counter({ name: 'mc_webhook_attempts_total', help: 'Status-webhook POSTs, by outcome (delivered, failed).', labelNames: ['outcome'], registers });
    this.jobs = registerJobCounter(this.scraped.process);

    const { pool } = options;
    const system = [this.scraped.system];
    registerQueueDepthGauge(this.scraped.system, options.queues);
    new Gauge({
      name: 'mc_events_backlog',
      help: 'Events not final yet (pending, pending_delivery), system-wide.',
      labelNames: ['status'],
      registers: system,
      async collect() {
        this.reset();
        for (const status of ['pending', 'pending_delivery']) this.set({ status }, 0);
        for (const row of await countBacklog(pool)) this.set({ status: row.status }, row.count);
      },
    });
    new Gauge({
      name: 'mc_update_event_status_lag_seconds',
      help: 'Age of the oldest final delivery outcome not yet copied onto its event (0: caught up), system-wide.',
      registers: system,
      async collect() {
        this.set(await updateEventStatusLag(pool));
      },
    });
  }

  secondsSince(date: Date): number {
    return Math.max(0, (Date.now() - date.getTime()) / 1000);
  }
}
