import { coerceError } from '@mc/domain';

/**
 * An idempotent `close()` that runs `stages` in order and runs every one of them even when an
 * earlier one fails (a worker that will not close must not keep PostgreSQL open); the first
 * error is rethrown at the end.
 */
export function closeInStages(stages: ReadonlyArray<() => unknown>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= (async () => {
      let firstError: Error | undefined;
      for (const stage of stages) {
        try {
          await stage();
        } catch (thrown) {
          firstError ??= coerceError(thrown);
        }
      }
      if (firstError !== undefined) throw firstError;
    })();
    return closing;
  };
}
