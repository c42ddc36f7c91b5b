import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { SECOND } from '@mc/domain';

/**
 * What `/metrics` serves on every process of an instance: its own metrics (default Node.js and
 * process metrics under their standard names, HTTP requests, counters of what it did — sum them
 * across processes), plus the system-wide gauges (queue depths, backlogs) from **one** process
 * at a time, so that a sum over processes never counts them twice. That process holds a Redis
 * lease renewed at each of its scrapes; if it stops being scraped (or dies), another one takes
 * the gauges over within `leaseMs`. `mc_system_metrics_exporter` says which process it is (1).
 */
export class InstanceMetrics {
  /** This process's metrics. */
  readonly process = new Registry();
  /** System-wide gauges, exported only while this process holds the lease. */
  readonly system = new Registry();
  readonly contentType = this.process.contentType;
  private readonly id = randomUUID();
  private readonly exporter = new Gauge({
    name: 'mc_system_metrics_exporter',
    help: '1 on the one process of the instance that exports the system-wide gauges, 0 on the others.',
    registers: [this.process],
  });

  constructor(
    private readonly lease: { redis: Redis; key: string; leaseMs?: number },
    labels: Record<string, string> = {},
  ) {
    this.process.setDefaultLabels(labels);
    this.system.setDefaultLabels(labels);
    collectDefaultMetrics({ register: this.process });
    // prom-client's totals of these gauges end in `_total`, which promtool (rightly) refuses for a
    // gauge; each is the sum of its per-type gauge (`nodejs_active_handles{type}`), which stays.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.process.removeSingleMetric(name);
  }

  async metrics(): Promise<string> {
    const exporter = await this.holdsLease();
    this.exporter.set(exporter ? 1 : 0);
    const own = await this.process.metrics();
    return exporter ? `${own}\n${await this.system.metrics()}` : own;
  }

  /** Takes or renews the lease (one round trip); false when Redis does not answer within a second. */
  private async holdsLease(): Promise<boolean> {
    const { redis, key } = this.lease;
    const leaseMs = this.lease.leaseMs ?? 60 * SECOND;
    const attempt = redis.eval(
      `local holder = redis.call('GET', KEYS[1])
       if holder == false or holder == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
       return 0`,
      1,
      key,
      this.id,
      String(leaseMs),
    ) as Promise<number>;
    const timeout = new Promise<number>((resolve) => setTimeout(() => resolve(0), SECOND).unref());
    return (await Promise.race([attempt.catch(() => 0), timeout])) === 1;
  }
}
