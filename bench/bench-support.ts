/**
 * What the benchmarks (`intake-bench.ts`, `e2e-bench.ts`) share on the parent side: knobs, child
 * processes (see `bench-child.ts` for their side), clocks, CPU accounting per process, PostgreSQL
 * and Redis round-trip counters, cleanup of Redis keys, formatting and the machine's description.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type pg from 'pg';
import type autocannon from 'autocannon';
import { dropDatabaseIfExists } from '@mc/db';
import { monoMs, type ChildMessage } from './bench-child';

// ---------------------------------------------------------------------------------------------
// Knobs, formatting

export function intKnob(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

export const fmt = (value: number) => Math.round(value).toLocaleString('en-US');
export const log = (line: string) => console.log(line);
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The URL of database `name` on the server of `maintenanceUrl`. */
export function databaseUrl(maintenanceUrl: string, name: string): string {
  const url = new URL(maintenanceUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Nearest-rank percentile (`p` in 0–100) of unsorted values; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Runs `count` jobs, at most `concurrency` at once; returns the wall-clock seconds. */
export async function timed(count: number, concurrency: number, job: (index: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let index = next++; index < count; index = next++) await job(index);
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

// ---------------------------------------------------------------------------------------------
// Child processes

export interface ChildServer {
  label: string;
  port: number;
  child: ChildProcess;
  /** The child process's `process.cpuUsage()`. */
  cpu(): Promise<NodeJS.CpuUsage>;
  close(): Promise<void>;
}

const children = new Set<ChildProcess>();

/** Kills every child still running (cleanup after a failure). */
export function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

export interface StartChildOptions {
  /** The child's script, run with this process's exec arguments (tsx). */
  script: string;
  args?: string[];
  /** Names the child in messages and CPU reports. */
  label: string;
  /** Names its CPU profile folder; default `label`. */
  profileName?: string;
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** A folder: the child writes V8 CPU profiles (--cpu-prof) under `<folder>/<profileName>-<runId>/`. */
  cpuProfDir?: string;
  runId: string;
}

/** Forks a child that speaks the `bench-child.ts` protocol; resolves once it is ready. */
export function startChild(options: StartChildOptions): Promise<ChildServer> {
  const { label } = options;
  const execArgv = [...process.execArgv];
  if (options.cpuProfDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${path.resolve(options.cpuProfDir, `${options.profileName ?? label}-${options.runId}`)}`);
  const child = fork(options.script, options.args ?? [], {
    execArgv,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise<ChildServer>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${label} exited (code ${String(code)}) before it was ready`));
    child.once('exit', onExit);
    const onFirst = (message: ChildMessage) => {
      if (!('ready' in message) && !('failed' in message)) return;
      child.off('message', onFirst);
      child.off('exit', onExit);
      if (!('ready' in message)) {
        reject(new Error(`${label} failed to start: ${message.failed}`));
        return;
      }
      resolve({
        label,
        port: message.port,
        child,
        cpu: () =>
          new Promise<NodeJS.CpuUsage>((answer) => {
            const onMessage = (reply: ChildMessage) => {
              if (!('cpu' in reply)) return;
              child.off('message', onMessage);
              answer(reply.cpu);
            };
            child.on('message', onMessage);
            child.send('cpu');
          }),
        close: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.once('exit', () => {
              clearTimeout(timer);
              done();
            });
            child.send('close');
          }),
      });
    };
    child.on('message', onFirst);
  });
}

/**
 * How far the child's `monoMs()` is ahead of ours, from the ping with the shortest round trip
 * (NTP-style: the child read its clock halfway through). About 0 on Linux; `uncertaintyMs` is
 * half that round trip.
 */
export async function clockOffsetMs(server: ChildServer, pings = 30): Promise<{ offsetMs: number; uncertaintyMs: number }> {
  let best = { offsetMs: 0, uncertaintyMs: Number.POSITIVE_INFINITY };
  for (let ping = 0; ping < pings; ping++) {
    const sentAt = monoMs();
    const at = await new Promise<number>((answer) => {
      const onMessage = (reply: ChildMessage) => {
        if (!('clock' in reply) || reply.clock !== ping) return;
        server.child.off('message', onMessage);
        answer(reply.at);
      };
      server.child.on('message', onMessage);
      server.child.send({ clock: ping });
    });
    const receivedAt = monoMs();
    const half = (receivedAt - sentAt) / 2;
    if (half < best.uncertaintyMs) best = { offsetMs: at - (sentAt + half), uncertaintyMs: half };
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Redis

export async function deleteRedisPrefix(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

// ---------------------------------------------------------------------------------------------
// CPU: the machine, this process, the children, and PostgreSQL and Redis

/**
 * Where the CPU went during a measured phase: the machine as a whole (all cores, every process),
 * this process, each child, and (on Linux, from /proc) all PostgreSQL and Redis server processes,
 * each in percent of one core. Tells which process was the limit.
 */
export interface CpuSnapshot {
  at: bigint;
  machine: { busy: number; total: number };
  self: NodeJS.CpuUsage;
  children: Record<string, NodeJS.CpuUsage>;
  /** CPU seconds so far of each PostgreSQL and Redis process by pid, when /proc is readable. */
  services?: Map<string, { service: string; seconds: number }>;
}

export function machineTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

const SERVICES: Record<string, string> = { postgres: 'PostgreSQL', 'redis-server': 'Redis' };
let clockTicks: number | undefined;

/** CPU seconds used so far by each PostgreSQL and Redis process (Linux only). */
function serviceSeconds(): Map<string, { service: string; seconds: number }> | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    clockTicks = 100;
  }
  const processes = new Map<string, { service: string; seconds: number }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile, or not ours to read
    }
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const service = SERVICES[stat.slice(open + 1, close)];
    if (!service) continue;
    // Fields after the command: state (3rd field) is index 0, so utime (14th) is 11 and stime (15th) 12.
    const fields = stat.slice(close + 2).split(' ');
    processes.set(entry, { service, seconds: (Number(fields[11]) + Number(fields[12])) / clockTicks });
  }
  return processes;
}

export async function cpuSnapshot(servers: readonly ChildServer[] = []): Promise<CpuSnapshot> {
  const usages = await Promise.all(servers.map((server) => server.cpu()));
  return {
    at: process.hrtime.bigint(),
    machine: machineTimes(),
    self: process.cpuUsage(),
    children: Object.fromEntries(servers.map((server, index) => [server.label, usages[index] as NodeJS.CpuUsage])),
    services: serviceSeconds(),
  };
}

export interface CpuUse {
  /** Every process on the machine, in % of one core (so up to cores × 100). */
  machinePct: number;
  /** This process (the load generator). */
  selfPct: number;
  /** Each child, by label. */
  children: Record<string, number>;
  /** PostgreSQL and Redis (all their processes), when known. */
  services: Record<string, number>;
  text: string;
}

export function describeCpu(before: CpuSnapshot, after: CpuSnapshot, selfLabel: string): CpuUse {
  const wallUs = Number(after.at - before.at) / 1e3;
  const corePct = (from: NodeJS.CpuUsage, to: NodeJS.CpuUsage) => (100 * (to.user - from.user + to.system - from.system)) / wallUs;
  const cores = os.cpus().length;
  const machinePct = (100 * cores * (after.machine.busy - before.machine.busy)) / Math.max(1, after.machine.total - before.machine.total);
  const selfPct = corePct(before.self, after.self);
  const childPcts: Record<string, number> = {};
  for (const [label, usage] of Object.entries(after.children)) {
    const start = before.children[label];
    if (start) childPcts[label] = corePct(start, usage);
  }
  // Per process: a backend that started meanwhile counts from 0; one that exited meanwhile is
  // missing from `after`, and its last moments are not counted (a slight undercount).
  const services: Record<string, number> = {};
  for (const [pid, { service, seconds }] of after.services ?? []) {
    const start = before.services?.get(pid);
    const used = start && start.service === service ? seconds - start.seconds : seconds;
    services[service] = (services[service] ?? 0) + (100 * used) / (wallUs / 1e6);
  }
  const parts = [
    `machine ${machinePct.toFixed(0)}% of ${cores * 100}%`,
    `${selfLabel} ${selfPct.toFixed(0)}%`,
    ...Object.entries(childPcts).map(([label, pct]) => `${label} ${pct.toFixed(0)}%`),
    ...Object.entries(services).map(([name, pct]) => `${name} ${pct.toFixed(0)}%`),
  ];
  return { machinePct, selfPct, children: childPcts, services, text: `CPU (% of one core): ${parts.join(', ')}` };
}

/** Samples the machine for a second before the run: a busy machine makes the numbers low and noisy. */
export async function checkMachineIdle(): Promise<void> {
  const before = machineTimes();
  await sleep(1_000);
  const after = machineTimes();
  const busy = (100 * (after.busy - before.busy)) / Math.max(1, after.total - before.total);
  log(
    `machine busy before the run: ${busy.toFixed(0)}% of all cores` +
      (busy > 15 ? ' — WARNING: something else is using the CPU; the numbers below will be low and noisy' : ''),
  );
}

/** One line: cores, CPU model, memory, Node, PostgreSQL and Redis versions. */
export async function describeMachine(pool: pg.Pool, redis: Redis): Promise<string> {
  const versions = await pool.query<{ server_version: string }>('SHOW server_version');
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
  const cpu = os.cpus();
  return (
    `Machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ` +
    `Node ${process.version}, PostgreSQL ${versions.rows[0]?.server_version ?? '?'}, Redis ${redisVersion}, all on one host.`
  );
}

// ---------------------------------------------------------------------------------------------
// Round trips: PostgreSQL commits and Redis commands

/**
 * Round trips behind the events: PostgreSQL commits in the bench database and commands Redis
 * processed (the whole Redis server), read before and after a measured phase. Shows whether
 * group commit groups (events per commit) and how many Redis commands an event costs.
 */
export interface Counters {
  commits: number;
  redisCommands: number;
}

export interface CounterSource {
  pool: pg.Pool;
  redis: Redis;
  dbName: string;
}

export async function readCounters(source: CounterSource | undefined): Promise<Counters | undefined> {
  if (!source) return undefined;
  const { pool, redis, dbName } = source;
  // Backends report their statistics at most once a second (PostgreSQL 15+): let them.
  await sleep(1_100);
  const { rows } = await pool.query<{ commits: string }>('SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = $1', [dbName]);
  const info = await redis.info('stats');
  return { commits: Number(rows[0]?.commits ?? 0), redisCommands: Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0) };
}

export function describeCounters(before: Counters | undefined, after: Counters | undefined, events: number, withCommits: boolean): string {
  if (!before || !after) return '';
  const commits = after.commits - before.commits - 1; // minus our own reading
  const commands = after.redisCommands - before.redisCommands - 1;
  const parts = [];
  if (withCommits) parts.push(`PostgreSQL ${fmt(commits)} commits (≈ ${(commits / Math.max(1, events)).toFixed(2)} per event, ${(events / Math.max(1, commits)).toFixed(1)} events per commit)`);
  parts.push(`Redis ${fmt(commands)} commands incl. those inside BullMQ Lua scripts, whole server (≈ ${(commands / Math.max(1, events)).toFixed(2)} per event)`);
  return `round trips: ${parts.join(', ')}`;
}

export interface BenchResources {
  /** Connections and clients to close first (pools, Redis clients, HTTP agents). */
  release: () => unknown;
  /** Databases to drop: name → URL. */
  databases: Record<string, string>;
  redisUrl: string;
  /** BullMQ prefixes whose keys are deleted. */
  prefixes: readonly string[];
}

/**
 * The one cleanup of a benchmark run, idempotent, also run on Ctrl+C: kills the child servers,
 * releases clients, drops the run's databases and deletes its Redis keys.
 */
export function createBenchCleanup(resources: () => BenchResources): () => Promise<void> {
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    killChildren();
    const { release, databases, redisUrl, prefixes } = resources();
    await Promise.resolve(release()).catch(() => undefined);
    for (const [name, url] of Object.entries(databases)) {
      await dropDatabaseIfExists(url).catch((thrown: unknown) => console.error(`could not drop ${name}:`, thrown));
    }
    for (const prefix of prefixes) {
      await deleteRedisPrefix(redisUrl, prefix).catch((thrown: unknown) => console.error(`could not delete Redis keys under ${prefix}:`, thrown));
    }
  };
  process.once('SIGINT', () => {
    console.error('\ninterrupted: cleaning up');
    void cleanup().finally(() => process.exit(130));
  });
  return cleanup;
}

/** autocannon's non-2xx answers, connection errors and timeouts in one line; undefined when there are none. */
export function describeFailures(result: autocannon.Result): string | undefined {
  if (result.non2xx === 0 && result.errors === 0 && result.timeouts === 0) return undefined;
  const codes = Object.entries(result.statusCodeStats ?? {})
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, stats]) => `${code}×${stats.count ?? 0}`)
    .join(', ');
  return `non-2xx ${result.non2xx} (${codes || 'n/a'}), connection errors ${result.errors}, timeouts ${result.timeouts}`;
}
