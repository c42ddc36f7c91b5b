/**
 * What the benchmarks share. A bench drives the system as a user does: it spawns the apps' entry
 * points with their environment, talks HTTP and SMTP to them, and reads results with SQL. See
 * docs/performance.md for what each bench measures.
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import autocannon from 'autocannon';
import { dropDatabaseIfExists } from '@mc/db';
import { REPO_ROOT, TEST_REDIS_URL, databaseUrl, deleteRedisPrefix, freePort, spawnApp, waitForHealth, type SpawnedApp } from '@mc/testing';

export const REDIS_URL = TEST_REDIS_URL;

export function intKnob(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

export const fmt = (value: number) => Math.round(value).toLocaleString('en-US');
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
export const seconds = (since: number) => (performance.now() - since) / 1000;

/**
 * CPU milliseconds used so far by every process of one program (`postgres`, `redis-server`), from
 * /proc (clock ticks of 10 ms): what the servers the system runs on spend, seen from outside.
 */
export function programCpuMs(program: string): number {
  const pids = execFileSync('pgrep', ['-x', program], { encoding: 'utf8' }).split('\n').filter(Boolean);
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks * 10;
}

/**
 * CPU milliseconds the whole machine has spent busy so far (all cores, from /proc/stat): unlike
 * per-process figures it keeps the time of processes that exited meanwhile (PostgreSQL backends,
 * autovacuum workers).
 */
export function machineCpuMs(): number {
  const [, ...fields] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields.map(Number);
  return (user + nice + system + irq + softirq + steal) * 10;
}

/** A table of figures without a baseline (what a run costs, per unit of work). */
export function printFigures(title: string, rows: Array<{ figure: string; value: number }>): void {
  console.log(`\n## ${title}\n`);
  console.log('| figure | value |');
  console.log('|---|---:|');
  for (const { figure, value } of rows) console.log(`| ${figure} | ${value < 100 ? value.toFixed(2) : fmt(value)} |`);
}

/** The bench's one output: a Markdown table, with the ratio of the `ours` column to the `baseline` one. */
export function printTable(title: string, rows: Array<{ figure: string; ours: number; baseline: number; unit?: string }>): void {
  console.log(`\n## ${title}\n`);
  console.log('| figure | ours | baseline | ratio |');
  console.log('|---|---:|---:|---:|');
  for (const { figure, ours, baseline, unit = '' } of rows) {
    const show = (value: number) => (value < 100 ? value.toFixed(2) : fmt(value)) + unit;
    console.log(`| ${figure} | ${show(ours)} | ${show(baseline)} | ${(ours / baseline).toFixed(2)}× |`);
  }
}

/** Runs `task(0…count-1)`, at most `concurrency` at once; returns the seconds it took. */
export async function inParallel(count: number, concurrency: number, task: (index: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(count, concurrency) }, async () => {
      for (let index = next++; index < count; index = next++) await task(index);
    }),
  );
  return seconds(started);
}

/** Polls `progress` until it reaches `target`; throws when it stood still for `stallMs`. */
export async function waitForProgress(what: string, progress: () => Promise<number> | number, target: number, everyMs = 20, stallMs = 30_000): Promise<void> {
  let last = -1;
  let movedAt = performance.now();
  for (;;) {
    const value = await progress();
    if (value >= target) return;
    if (value !== last) [last, movedAt] = [value, performance.now()];
    else if (performance.now() - movedAt > stallMs) throw new Error(`${what}: stuck at ${fmt(value)} of ${fmt(target)}`);
    await sleep(everyMs);
  }
}

/** A time-ordered UUID (v7), as the apps' ids are: the baselines insert rows in the same index order. */
export function uuidv7(): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(Date.now(), 0, 6);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** An event body for autocannon: `[<id>]` is replaced by a unique id per request. */
export const EVENT_TYPE = 'order.shipped';
export const eventBody = (tag: string) =>
  JSON.stringify({
    type: EVENT_TYPE,
    email: `customer.${tag}.[<id>]@example.com`,
    externalId: `${tag}-[<id>]`,
    ctx: { orderId: '[<id>]', firstName: 'Ada', total: '42.90', currency: 'EUR', items: 2 },
  });

/** POST /api/v1/events with autocannon, for `duration` seconds or `amount` requests; fails on any non-2xx. */
export async function postEvents(url: string, key: string | undefined, tag: string, load: { connections: number; duration?: number; amount?: number }): Promise<autocannon.Result> {
  const result = await autocannon({
    url: `${url}/api/v1/events`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: eventBody(tag),
    idReplacement: true,
    timeout: 30,
    ...load,
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`POST /api/v1/events: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return result;
}

/** JSON over HTTP with a bearer token; throws unless the status is `expect`. */
export async function call(url: string, method: string, token: string, body: unknown, expect: number): Promise<any> {
  const response = await fetch(url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  if (response.status !== expect) throw new Error(`${method} ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

export interface App {
  url: string;
  process: SpawnedApp;
  /** CPU seconds the process used so far (`ps`, whole seconds). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/**
 * One bench run: random credentials, databases and queue prefixes of its own, the processes it
 * spawned, and the cleanup of all of them (also on Ctrl+C).
 */
export class BenchRun {
  readonly id = randomBytes(4).toString('hex');
  readonly apiKey = `mc_bench_${randomBytes(16).toString('hex')}`;
  readonly controlKey = `mc_bench_ctl_${randomBytes(16).toString('hex')}`;
  readonly adminToken = `mc_bench_adm_${randomBytes(16).toString('hex')}`;
  private readonly databases: string[] = [];
  private readonly prefixes: string[] = [];
  private readonly apps = new Set<SpawnedApp>();

  constructor() {
    process.once('SIGINT', () => void this.cleanup().finally(() => process.exit(130)));
  }

  database(kind: string): string {
    const url = databaseUrl(`mc_bench_${kind}_${this.id}`);
    this.databases.push(url);
    return url;
  }

  queuePrefix(kind: string): string {
    const prefix = `{mc-bench-${kind}-${this.id}}`;
    this.prefixes.push(prefix);
    return prefix;
  }

  /** Spawns `entry` (relative to the repository) with `env` and waits for its /health; `portVar` receives a free port. */
  async start(entry: string, portVar: string, env: Record<string, string>): Promise<App> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawnApp(path.join(REPO_ROOT, entry), { NODE_ENV: 'production', LOG_LEVEL: 'error', LOG_FORMAT: 'json', REDIS_URL, [portVar]: String(port), ...env }, { capture: true });
    this.apps.add(child);
    try {
      await Promise.race([waitForHealth(url, 60_000), child.exited.then((code) => Promise.reject(new Error(`exited with ${String(code)}`)))]);
    } catch (thrown) {
      throw new Error(`${entry} did not start:\n${child.lines.slice(-20).join('\n')}`, { cause: thrown });
    }
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await child.exited;
      this.apps.delete(child);
    };
    return { url, process: child, cpuSeconds: () => cpuSeconds(child.pid as number), stop };
  }

  /** An execution instance (`apps/execution/src/main.ts`) on a database and queue prefix of this run. */
  startExecution(databaseUrl: string, env: Record<string, string>): Promise<App> {
    return this.start('apps/execution/src/main.ts', 'EXECUTION_PORT', {
      EXECUTION_DATABASE_URL: databaseUrl,
      MC_QUEUE_PREFIX: this.queuePrefix('execution'),
      MC_INSTANCE_NAME: 'bench',
      MC_API_KEY: this.apiKey,
      MC_CONTROL_CREDENTIAL: this.controlKey,
      SMTP_URL: 'smtp://127.0.0.1:1',
      ...env,
    });
  }

  async cleanup(): Promise<void> {
    for (const app of this.apps) if (app.exitCode === null) app.kill('SIGKILL');
    await Promise.all([...this.apps].map((app) => app.exited));
    for (const url of this.databases.splice(0)) await dropDatabaseIfExists(url).catch((thrown: unknown) => console.error(`could not drop ${url}:`, thrown));
    for (const prefix of this.prefixes.splice(0)) await deleteRedisPrefix(prefix).catch(() => undefined);
  }

  /** Runs the bench, cleans up, exits 1 on failure. */
  run(bench: () => Promise<void>): void {
    bench()
      .catch((thrown: unknown) => {
        console.error(thrown);
        process.exitCode = 1;
      })
      .finally(() => this.cleanup())
      .catch(console.error);
  }
}

/** CPU seconds (user + system) of a process so far, from `ps` (whole seconds). */
export function cpuSeconds(pid: number): number {
  return Number(execFileSync('ps', ['-o', 'times=', '-p', String(pid)], { encoding: 'utf8' }).trim());
}
