import { HOUR, MINUTE, SECOND } from '@mc/domain';

/** When a temporarily refused message is tried again, as mail servers do: then hourly. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [1 * SECOND, 10 * SECOND, 1 * MINUTE, 5 * MINUTE, 15 * MINUTE, 1 * HOUR];
/** When a refused status webhook is tried again: the Standard Webhooks schedule (then every 10 h, within the give-up window). */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS: readonly number[] = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR];

export interface RetryPolicy {
  /** The waits after the 1st, 2nd, … failed try (ms); the last one repeats. */
  scheduleMs: readonly number[];
  /** A delivery not sent this long after it was first tried (linked) or retried fails for good (ms). */
  giveUpAfterMs: number;
  /** …or after this many tries, if set. */
  maxAttempts?: number;
}

/**
 * The next try of a delivery after its `attempts`-th failed one, or the reason to give up: past
 * `giveUpAfterMs` since the delivery was created (or retried by an operator), or past its event's `expiresAt`.
 */
export function nextAttempt(
  policy: RetryPolicy,
  delivery: { attempts: number; triesSince: Date; eventExpiresAt: Date | null },
  now = Date.now(),
): { at: Date } | { giveUp: string } {
  const wait = policy.scheduleMs[Math.min(delivery.attempts, policy.scheduleMs.length) - 1] ?? policy.scheduleMs[policy.scheduleMs.length - 1] ?? SECOND;
  if (policy.maxAttempts !== undefined && delivery.attempts >= policy.maxAttempts) return { giveUp: 'DELIVERY_MAX_ATTEMPTS reached' };
  const at = now + wait;
  if (delivery.eventExpiresAt && at > delivery.eventExpiresAt.getTime()) return { giveUp: 'its event expired before it could be sent' };
  if (at > delivery.triesSince.getTime() + policy.giveUpAfterMs) return { giveUp: `not sent within ${formatDuration(policy.giveUpAfterMs)}` };
  return { at: new Date(at) };
}

function formatDuration(ms: number): string {
  if (ms % HOUR === 0) return `${ms / HOUR} h`;
  if (ms % MINUTE === 0) return `${ms / MINUTE} min`;
  return `${ms / SECOND} s`;
}
