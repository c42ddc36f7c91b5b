import { SECOND } from '@mc/domain';
import { type Logger } from '@mc/observability';

export interface TransportCircuitOptions {
  /** What the log calls the transport, e.g. `SMTP 127.0.0.1:25` (never its credentials). */
  label: string;
  logger: Logger;
  /** The first wait before probing again (ms); doubles after each failed probe. Default 1 s. */
  firstProbeMs?: number;
  /** The longest wait between probes (ms). Default 10 s: sending resumes at most this long after the server is back. */
  maxProbeMs?: number;
  /** How often, at most, a "still unreachable" line is logged while open (ms). Default 10 s. */
  reportEveryMs?: number;
}

export type CircuitGate = { open: false } | { open: true; until: Date };

/**
 * A circuit breaker for one transport (the SMTP server, the SMS provider) in this process. A
 * transport-level failure — connection refused or reset, timeout, TLS handshake, SMTP 421 —
 * opens it: sends stop, the deliveries waiting keep their attempts, and one probe goes out after
 * a backoff (1 s, doubling, capped). The first send that succeeds closes it, and sending
 * resumes at once. It logs one line when it opens, one per `reportEveryMs` with how many
 * deliveries are paused, and one when the transport is back.
 */
export class TransportCircuit {
  private openedAt: number | undefined;
  private nextProbeAt = 0;
  private probeMs: number;
  private probing = false;
  private paused = 0;
  private pausedSinceReport = 0;
  private lastReportAt = 0;
  private lastError = '';

  constructor(private readonly options: TransportCircuitOptions) {
    this.probeMs = options.firstProbeMs ?? SECOND;
  }

  get isOpen(): boolean {
    return this.openedAt !== undefined;
  }

  /** May a send go out now? While open, only one probe at a time once its backoff has passed. */
  gate(now = Date.now()): CircuitGate {
    if (this.openedAt === undefined) return { open: false };
    if (!this.probing && now >= this.nextProbeAt) {
      this.probing = true;
      return { open: false };
    }
    this.paused += 1;
    this.pausedSinceReport += 1;
    this.report(now);
    return { open: true, until: new Date(Math.max(this.nextProbeAt, now) + (this.probing ? this.probeMs : 0)) };
  }

  /** A send got an answer from the transport (even a refusal of the message: it is reachable). */
  reachable(now = Date.now()): void {
    this.probing = false;
    if (this.openedAt === undefined) return;
    this.options.logger.info(`${this.options.label} is back; sending resumes`, {
      downForMs: now - this.openedAt,
      pausedDeliveries: this.paused,
    });
    this.openedAt = undefined;
    this.paused = 0;
    this.pausedSinceReport = 0;
    this.probeMs = this.options.firstProbeMs ?? SECOND;
  }

  /** A send failed at the transport level; returns when the next probe may go. */
  unreachable(reason: string, now = Date.now()): Date {
    this.lastError = reason;
    if (this.openedAt === undefined) {
      this.openedAt = now;
      this.lastReportAt = now;
      this.options.logger.warn(`${this.options.label} is unreachable; deliveries paused, probing until it answers`, { error: reason });
    } else if (this.probing) {
      this.probeMs = Math.min(this.probeMs * 2, this.options.maxProbeMs ?? 10 * SECOND);
    }
    this.probing = false;
    this.nextProbeAt = now + this.probeMs;
    return new Date(this.nextProbeAt);
  }

  private report(now: number): void {
    if (now - this.lastReportAt < (this.options.reportEveryMs ?? 10 * SECOND) || this.openedAt === undefined) return;
    this.options.logger.warn(`${this.options.label} still unreachable; deliveries paused`, {
      downForMs: now - this.openedAt,
      pausedInLastInterval: this.pausedSinceReport,
      error: this.lastError,
    });
    this.lastReportAt = now;
    this.pausedSinceReport = 0;
  }
}
