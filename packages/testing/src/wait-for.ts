import { coerceError } from '@mc/domain';

export interface WaitForOptions {
  /** Give up after this long (ms); default 20,000. */
  timeoutMs?: number;
  /** Poll every this long (ms); default 25. */
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns a value that is not `undefined`/`false`, then returns it.
 * Tests wait on conditions, never on fixed sleeps.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, options: WaitForOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (thrown) {
      lastError = thrown;
    }
    if (Date.now() > deadline) {
      throw new Error(`waitFor: condition not met within ${timeoutMs} ms${lastError ? `: ${coerceError(lastError).message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
  }
}
