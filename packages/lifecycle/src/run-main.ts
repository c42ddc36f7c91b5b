import { ConfigError, StartupError, coerceError } from '@mc/domain';

/**
 * Runs an app's entry point. A configuration or reachability problem is printed as one plain
 * line a person can act on (no stack trace); anything else with its stack. Either way, exit 1.
 */
export function runMain(app: string, main: () => Promise<void>): void {
  // The console, not the logger: the configuration that builds the logger may be what failed.
  main().catch((thrown: unknown) => {
    if (thrown instanceof ConfigError || thrown instanceof StartupError) {
      console.error(`message-center ${app}: ${thrown.message}`);
    } else {
      console.error(`message-center ${app} failed to start:`, coerceError(thrown));
    }
    process.exit(1);
  });
}
