/**
 * `npm start`: the minimal architecture on this machine, for development.
 *
 * Today it runs one execution instance (API and workers in one process) with development
 * credentials, creates and migrates its database, publishes a sample template so that the
 * README's curl example gets linked, and prints what to try. The control instance joins it
 * when it is built (issue 4/5). Every variable can still be set from the environment.
 */
import { DEV_DEFAULTS, publishSampleTemplate, printWelcome } from './local-dev';

for (const [name, value] of Object.entries(DEV_DEFAULTS)) process.env[name] ??= value;

async function run(): Promise<void> {
  await import('../apps/execution/src/main.ts');
  await publishSampleTemplate();
  printWelcome();
}

run().catch((thrown: unknown) => {
  console.error(`npm start: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
  process.exit(1);
});
