import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Runs a TypeScript entry point as one real process (`node --import tsx`), not behind the `tsx`
 * CLI: a signal sent to the child reaches the app itself (through the CLI wrapper a SIGKILL
 * would kill only the wrapper and leave the app running).
 */
export function spawnApp(entry: string, env: Record<string, string | undefined>): ChildProcess & { exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { env: { ...process.env, ...env }, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return Object.assign(child, { exited });
}
