import { SECOND, coerceError } from '@mc/domain';
import { unavailableDependencyOf } from './infrastructure-errors';
import type { Logger } from './logger';

/**
 * Tells the log when a backing service goes away and when it is back, once each: the first
 * infrastructure error about it logs "… is unavailable", then a probe runs every second until it
 * answers, which logs "… is back" with how long it was down. Everything else about the outage
 * (failed requests, failed jobs) is counted by the FaultLogs, not logged one by one.
 */
export class OutageWatch {
  private readonly down = new Map<string, { since: number; timer: NodeJS.Timeout }>();
  private closed = false;

  constructor(
    private readonly logger: Logger,
    /** A cheap call to each service, by the name `unavailableDependencyOf` gives (`PostgreSQL`, `Redis`). */
    private readonly probes: Record<string, () => Promise<unknown>>,
    private readonly probeEveryMs = 1 * SECOND,
  ) {}

  /** Looks at an error; when it says a watched service is away, the outage starts (once). */
  observe(thrown: unknown): void {
    const name = unavailableDependencyOf(thrown);
    const probe = name ? this.probes[name] : undefined;
    if (!name || !probe || this.down.has(name) || this.closed) return;
    this.logger.warn(`${name} is unavailable; work waits for it`, { error: coerceError(thrown).message });
    const since = Date.now();
    const timer = setInterval(() => {
      probe().then(
        () => {
          clearInterval(timer);
          this.down.delete(name);
          this.logger.info(`${name} is back`, { downForMs: Date.now() - since });
        },
        () => undefined,
      );
    }, this.probeEveryMs);
    timer.unref();
    this.down.set(name, { since, timer });
  }

  close(): void {
    this.closed = true;
    for (const { timer } of this.down.values()) clearInterval(timer);
    this.down.clear();
  }
}
