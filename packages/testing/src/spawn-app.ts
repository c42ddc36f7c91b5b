import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const TSX_LOADER = pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist/loader.mjs')).href;

export interface SpawnedApp extends ChildProcess {
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** What the app wrote to stdout and stderr, line by line (when `capture` is set). */
  lines: string[];
}

/**
 * Runs a TypeScript entry point as one real process (`node --import tsx`), not behind the `tsx`
 * CLI: a signal sent to the child reaches the app itself (through the CLI wrapper a SIGKILL
 * would kill only the wrapper and leave the app running).
 */
export function spawnApp(entry: string, env: Record<string, string | undefined>, options: { capture?: boolean; cwd?: string } = {}): SpawnedApp {
  // tsx by absolute URL: the child may run in another working directory (where `tsx` would not resolve).
  const child = spawn(process.execPath, ['--import', TSX_LOADER, entry], {
    env: { ...process.env, ...env },
    cwd: options.cwd,
    stdio: options.capture ? ['ignore', 'pipe', 'pipe'] : 'ignore',
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      lines.push(...parts.filter((part) => part.length > 0));
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return Object.assign(child, { exited, lines });
}
