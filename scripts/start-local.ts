/**
 * `npm start`: the minimal architecture on this machine, for development — the control instance
 * and one execution instance (API and workers), each in its own process, with development
 * credentials. Each creates and migrates its database; then the execution instance is
 * registered on control (so its archiving runs) and a sample template is published through
 * control. Every variable can still be set from the environment. Ctrl+C stops both (twice forces).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { readControlEnv } from '@mc/control';
import { readExecutionEnv } from '@mc/execution';
import { StartupError } from '@mc/domain';
import { assertPortFree, loadDotEnv } from '@mc/lifecycle';
import { DEV_DEFAULTS, printWelcome, setUpLocalSystem } from './local-dev';

// The environment wins over .env, which wins over the development defaults.
loadDotEnv();
for (const [name, value] of Object.entries(DEV_DEFAULTS)) process.env[name] ??= value;

const root = path.resolve(__dirname, '..');
const apps: ChildProcess[] = [];

function startApp(entry: string): ChildProcess {
  // One real process per app (`node --import tsx`), so signals reach the app itself; in its own
  // process group, so a Ctrl+C reaches it once (forwarded by us), not twice (which would force it).
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, entry)], { stdio: 'inherit', env: process.env, detached: true });
  apps.push(child);
  child.once('exit', (code) => {
    if (!stopping) {
      console.error(`npm start: ${entry} exited (${code ?? 'signal'}); stopping the rest.`);
      stop('SIGTERM', code ?? 1);
    }
  });
  return child;
}

let stopping = false;
function stop(signal: NodeJS.Signals, exitCode = 0): void {
  if (stopping) {
    for (const app of apps) app.kill('SIGKILL');
    process.exit(1);
  }
  stopping = true;
  for (const app of apps) if (app.exitCode === null) app.kill(signal);
  const exits = apps.map((app) => (app.exitCode === null ? new Promise<void>((resolve) => app.once('exit', () => resolve())) : Promise.resolve()));
  void Promise.all(exits).then(() => process.exit(exitCode));
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
// If this launcher dies, its apps must not live on.
process.on('exit', () => {
  for (const app of apps) if (app.exitCode === null) app.kill('SIGKILL');
});

/** Before anything is started or printed: a second `npm start` stops here, in one line. */
async function checkPorts(): Promise<void> {
  const control = readControlEnv();
  const execution = readExecutionEnv();
  await assertPortFree(control.HOST, control.CONTROL_PORT, 'CONTROL_PORT');
  await assertPortFree(execution.HOST, execution.EXECUTION_PORT, 'EXECUTION_PORT');
}

checkPorts().then(
  () => {
    startApp('apps/control/src/main.ts');
    startApp('apps/execution/src/main.ts');
    setUpLocalSystem().then(printWelcome, (thrown: unknown) => {
      console.error(`npm start: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
      stop('SIGTERM', 1);
    });
  },
  (thrown: unknown) => {
    console.error(`npm start: ${thrown instanceof StartupError || (thrown instanceof Error && thrown.name === 'ConfigError') ? thrown.message : String(thrown)}`);
    process.exit(1);
  },
);
