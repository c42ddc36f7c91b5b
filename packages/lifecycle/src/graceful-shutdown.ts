import { coerceError } from '@mc/domain';
import { type Logger } from '@mc/observability';

export interface ShutdownOptions {
  logger: Logger;
  /** Closes everything, in order. */
  close: () => Promise<void>;
  /** After this long (ms) the first signal's shutdown gives up and exits 1; default 30,000. */
  timeoutMs?: number;
}

/**
 * Two-phase shutdown: the first SIGTERM/SIGINT drains (stop HTTP, finish current jobs, close
 * connections) and exits 0; a second signal, or the deadline, forces an exit with 1 — the exit
 * code stays honest about an unclean stop.
 */
export function installGracefulShutdown(options: ShutdownOptions): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      options.logger.warn('second signal: forcing exit', { signal });
      process.exit(1);
    }
    stopping = true;
    options.logger.info('shutting down: draining HTTP and current jobs (send the signal again to force)', { signal });
    const deadline = setTimeout(() => {
      options.logger.error('shutdown deadline passed: forcing exit');
      process.exit(1);
    }, options.timeoutMs ?? 30_000);
    deadline.unref();
    options.close().then(
      () => {
        options.logger.info('stopped cleanly');
        process.exit(0);
      },
      (thrown: unknown) => {
        options.logger.error('error during shutdown', { error: coerceError(thrown).message });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
