import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CACHE = path.join(os.tmpdir(), 'mc-promtool');
const CACHED = path.join(CACHE, 'usr', 'bin', 'promtool');

/**
 * Prometheus' own `promtool`: on the PATH, or taken from Debian's `prometheus` package (downloaded
 * once with `apt-get download`, unpacked without installing: nothing is started, no root needed).
 */
async function promtoolPath(): Promise<string> {
  try {
    await run('promtool', ['--version']);
    return 'promtool';
  } catch {
    // Not installed: the cached copy, or fetch one.
  }
  if (existsSync(CACHED)) return CACHED;
  // Unpacked aside, then moved in place at once: test files running in parallel never see half a copy.
  const scratch = mkdtempSync(`${CACHE}-`);
  await run('apt-get', ['download', 'prometheus'], { cwd: scratch, timeout: 120_000 });
  const deb = readdirSync(scratch).find((file) => file.startsWith('prometheus_') && file.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download prometheus left no package in ${scratch}`);
  await run('dpkg-deb', ['-x', path.join(scratch, deb), scratch]);
  try {
    renameSync(scratch, CACHE);
  } catch {
    rmSync(scratch, { recursive: true, force: true }); // another test file got there first
  }
  return CACHED;
}

/** What `promtool check metrics` says of a Prometheus text exposition: one line per problem, none when clean. */
export async function promtoolCheckMetrics(exposition: string): Promise<string[]> {
  const binary = await promtoolPath();
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(output.split('\n').filter((line) => line.trim() !== '')));
    child.stdin.end(exposition);
  });
}

/** What `promtool check config` says of a Prometheus configuration file: none when valid. */
export async function promtoolCheckConfig(file: string): Promise<string[]> {
  try {
    await run(await promtoolPath(), ['check', 'config', file]);
    return [];
  } catch (thrown) {
    const failed = thrown as { stdout?: string; stderr?: string };
    return `${failed.stdout ?? ''}${failed.stderr ?? ''}`.split('\n').filter((line) => line.trim() !== '');
  }
}
