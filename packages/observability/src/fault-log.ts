import type { Logger } from './logger';

/**
 * Logs faults during an outage as an operator can read them: for each kind of fault, the first
 * one at once, then at most one line per `intervalMs` saying how many of that same kind came
 * since — not one line per failed retry, and never one kind's count on another's line.
 */
export class FaultLog {
  private readonly kinds = new Map<string, { loggedAt: number; since: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly options: { intervalMs?: number; level?: 'warn' | 'error' } = {},
  ) {}

  report(kind: string, message: string, meta: Record<string, unknown> = {}, now = Date.now()): void {
    const entry = this.kinds.get(kind);
    if (entry && now - entry.loggedAt < (this.options.intervalMs ?? 10_000)) {
      entry.since += 1;
      return;
    }
    const counted = entry && entry.since > 0 ? { sameSinceLastLine: entry.since, lastLineMsAgo: now - entry.loggedAt } : {};
    this.logger.log(this.options.level ?? 'warn', message, { ...meta, ...counted });
    if (this.kinds.size > 1_000) this.kinds.clear();
    this.kinds.set(kind, { loggedAt: now, since: 0 });
  }
}
