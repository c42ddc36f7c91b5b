import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import { CONTROL_MIGRATIONS_DIR, EXECUTION_MIGRATIONS_DIR, createDatabaseIfMissing, dropDatabaseIfExists, migrate } from '@mc/db';
import { listRoutes } from '@mc/http';
import { readExecutionEnv, startExecutionInstance } from '@mc/execution';
import { readControlEnv, startControlInstance } from '@mc/control';
import {
  basicAuthorization,
  databaseUrl,
  deleteRedisPrefix,
  freePort,
  hostileRequest,
  jsonRequest,
  randomQueuePrefix,
  spawnApp,
  testLogger,
  waitForHealth,
  Random,
  REPO_ROOT,
  TEST_REDIS_URL,
  type FuzzTarget,
  type HostileRequest,
  type SpawnedApp,
} from '@mc/testing';

const ROOT = REPO_ROOT;
const PRODUCER_KEY = 'mc_fuzz_producer_key_0123456789abcdef';
const CONTROL_KEY = 'mc_fuzz_control_key_0123456789abcdef00';
const ADMIN_TOKEN = 'mc_fuzz_admin_token_0123456789abcdef00';
const ADMIN = { user: 'ops', password: 'fuzz-admin-password' };

export interface FuzzOptions {
  requests: number;
  /** Requests in flight at once; default 16. */
  concurrency?: number;
  /** Reproduces a run; default random (printed in the report). */
  seed?: number;
  /** Called every so many requests, for progress on long runs. */
  onProgress?: (done: number) => void;
}

export interface FuzzFinding {
  app: string;
  request: string;
  status: number | string;
  contentType: string | null;
}

export interface FuzzReport {
  seed: number;
  requests: number;
  /** Answers by app and status (`error`: no answer at all). */
  statuses: Record<string, Record<string, number>>;
  /** Answers ≥ 500, 4xx that are not problem+json (SOAP faults on the SOAP route), requests that got no answer. */
  findings: FuzzFinding[];
  /** Whether each app process was still running and healthy after the run. */
  alive: Record<string, boolean>;
  /** Error lines the apps logged (a 5xx logs one). */
  errorLines: string[];
}

function describe(request: HostileRequest): string {
  const body = request.body ? ` body(${request.body.length}B)=${request.body.subarray(0, 120).toString('utf8')}` : '';
  return `${request.method} ${request.target.slice(0, 200)} ${JSON.stringify(request.headers).slice(0, 300)}${body}`;
}

async function send(baseUrl: string, request: HostileRequest): Promise<{ status: number; contentType: string | null } | Error> {
  try {
    const response = await fetch(`${baseUrl}${request.target}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(15_000),
    });
    await response.arrayBuffer();
    return { status: response.status, contentType: response.headers.get('content-type') };
  } catch (thrown) {
    return thrown as Error;
  }
}

/** A request fetch itself refuses to send (a header value it cannot encode) is not an answer of ours. */
function refusedByClient(error: Error): boolean {
  return error instanceof TypeError && !/fetch failed/.test(error.message);
}

/**
 * Runs both apps as real processes (each on a database and queue prefix of its own, the execution
 * instance registered on control with a published template), then sends `requests` hostile
 * requests at every route of both — mutated valid bodies, wrong types, huge, deep, NUL,
 * surrogate and prototype-key values, bad encodings, bad headers, every credential — and reports
 * what came back.
 */
export async function fuzzApps(options: FuzzOptions): Promise<FuzzReport> {
  const seed = options.seed ?? randomBytes(4).readUInt32LE(0);
  const random = new Random(seed);
  const suffix = randomBytes(5).toString('hex');
  const executionDb = databaseUrl(`mc_test_fuzz_execution_${suffix}`);
  const controlDb = databaseUrl(`mc_test_fuzz_control_${suffix}`);
  const prefixes = [randomQueuePrefix(), randomQueuePrefix()] as const;
  const apps: SpawnedApp[] = [];
  try {
    for (const [url, dir] of [
      [executionDb, EXECUTION_MIGRATIONS_DIR],
      [controlDb, CONTROL_MIGRATIONS_DIR],
    ] as const) {
      await createDatabaseIfMissing(url);
      await migrate({ databaseUrl: url, migrationsDir: dir });
    }
    const [executionPort, controlPort] = [await freePort(), await freePort()];
    const common = { NODE_ENV: 'development', REDIS_URL: TEST_REDIS_URL, MC_ADMIN_USER: ADMIN.user, MC_ADMIN_PASSWORD: ADMIN.password, AUTH_FAILURES_PER_SECOND: '0', LOG_LEVEL: 'error', LOG_FORMAT: 'json' };
    const executionEnv = { ...common, EXECUTION_DATABASE_URL: executionDb, EXECUTION_PORT: String(executionPort), MC_QUEUE_PREFIX: prefixes[0], MC_API_KEY: PRODUCER_KEY, MC_CONTROL_CREDENTIAL: CONTROL_KEY, MC_INSTANCE_NAME: 'fuzz' };
    const controlEnv = {
      ...common,
      CONTROL_DATABASE_URL: controlDb,
      CONTROL_PORT: String(controlPort),
      MC_CONTROL_QUEUE_PREFIX: prefixes[1],
      MC_ADMIN_TOKEN: ADMIN_TOKEN,
      MC_EXECUTION_URL_ALLOW: `127.0.0.1:${executionPort}`,
      EXECUTION_CALL_TIMEOUT_MS: '2000',
      ARCHIVE_EVERY_MS: '3600000',
    };

    // The routes, read from the apps themselves (built in this process, never listening for the fuzz).
    // Role `all`, as the process under fuzz runs: its routes include the development outbox.
    const probeExecution = await startExecutionInstance(readExecutionEnv({ ...executionEnv, EXECUTION_PORT: '0', MC_ROLE: 'all' }), testLogger());
    const probeControl = await startControlInstance(readControlEnv({ ...controlEnv, CONTROL_PORT: '0' }), testLogger());
    if (!probeExecution.app) throw new Error('the execution probe serves no HTTP');
    const executionRoutes = listRoutes(probeExecution.app);
    const controlRoutes = listRoutes(probeControl.server.listeners('request')[0] as Express);
    await Promise.all([probeExecution.close(), probeControl.close()]);

    const execution = spawnApp(path.join(ROOT, 'apps/execution/src/main.ts'), executionEnv, { capture: true });
    const control = spawnApp(path.join(ROOT, 'apps/control/src/main.ts'), controlEnv, { capture: true });
    apps.push(execution, control);
    const urls = { execution: `http://127.0.0.1:${executionPort}`, control: `http://127.0.0.1:${controlPort}` };
    await Promise.all([waitForHealth(urls.execution, 60_000), waitForHealth(urls.control, 60_000)]);

    // Real things to aim at: an account, a published template, events, jobs.
    await jsonRequest(urls.control, 'POST', '/api/v1/execution-instances', { name: 'fuzz', url: urls.execution, credential: CONTROL_KEY }, ADMIN_TOKEN);
    const draft = { eventType: 'FUZZ', channel: 'email', subject: 'Hi {{ ctx.name }}', html: '<p>{{ ctx.name }}</p>', text: '{{ ctx.name }}' };
    await jsonRequest(urls.control, 'PUT', '/api/v1/templates/fuzz-template', draft, ADMIN_TOKEN);
    await jsonRequest(urls.control, 'POST', '/api/v1/templates/fuzz-template/publish', undefined, ADMIN_TOKEN);
    const event = { type: 'FUZZ', email: 'fuzz@example.com', externalId: 'fuzz-1', ctx: { name: 'Ada' } };
    const posted = await jsonRequest(urls.execution, 'POST', '/api/v1/events', event, PRODUCER_KEY);
    const eventId = String(posted.body?.id);

    const basic = basicAuthorization(ADMIN.user, ADMIN.password);
    const garbage = ['', 'Bearer', 'Bearer ', `Bearer ${'x'.repeat(10_000)}`, 'Basic !!!', 'Basic Og==', basicAuthorization(ADMIN.user, 'wrong'), 'Bearer mc_unknown_key_000000000000000', 'Negotiate abc'];
    const queueParams = {
      queueName: ['rtEventsProcessing', 'batchEventsProcessing', 'updateEventStatus', 'publishing', 'archiving'],
      jobId: [eventId, 'repeat:x', '1'],
      queueStatus: ['failed', 'completed', 'delayed', 'waiting', 'active'],
      schedulerId: ['update-event-status', 'archive-fuzz', 'purge-archived-events'],
    };
    const targets: Record<'execution' | 'control', FuzzTarget> = {
      execution: {
        routes: executionRoutes,
        credentials: { api: [`Bearer ${PRODUCER_KEY}`, `Bearer ${PRODUCER_KEY}`, `Bearer ${CONTROL_KEY}`], admin: [basic] },
        badCredentials: garbage,
        params: { id: [eventId], name: ['fuzz-template', 'other'], channel: ['email', 'sms'], address: ['fuzz@example.com', '+33612345678'], index: ['0', '1', '-1'], ...queueParams },
        bodies: {
          'POST /api/v1/events': event,
          'POST /api/v1/events/batch': { events: [event, { ...event, externalId: 'fuzz-2' }, { type: 'FUZZ', channel: 'sms', mobilePhone: '+33612345678' }] },
          'PUT /api/v1/templates/:name': { version: 7, ...draft },
          'POST /api/v1/suppressions': { channel: 'email', address: 'fuzz@example.com', reason: 'fuzz', expiresAt: '2030-01-01T00:00:00Z' },
          'POST /admin/queues/api/queues/:queueName/add': { name: 'x', data: { eventId }, options: {} },
          'PATCH /admin/queues/api/queues/:queueName/:jobId/update-data': { jobData: { eventId } },
          'PUT /admin/queues/api/queues/:queueName/concurrency': { concurrency: 2 },
        },
        queryNames: ['status', 'type', 'externalId', 'producer', 'limit', 'cursor', 'after', 'channel', 'address', 'activeQueue', 'page', 'jobsPerPage'],
      },
      control: {
        routes: controlRoutes,
        credentials: { api: [`Bearer ${ADMIN_TOKEN}`], admin: [basic] },
        badCredentials: garbage,
        params: { name: ['fuzz-template', 'fuzz', 'missing'], ...queueParams },
        bodies: {
          'POST /api/v1/execution-instances': { name: 'fuzz-2', url: urls.execution, credential: CONTROL_KEY },
          'PUT /api/v1/templates/:name': draft,
          'POST /api/v1/templates/:name/preview': { ctx: { name: 'Ada' }, event: { email: 'a@example.com' } },
        },
        queryNames: ['instance', 'producer', 'type', 'status', 'from', 'to', 'limit', 'cursor', 'activeQueue', 'page'],
      },
    };

    const report: FuzzReport = { seed, requests: 0, statuses: { execution: {}, control: {} }, findings: [], alive: {}, errorLines: [] };
    let next = 0;
    const worker = async () => {
      while (next < options.requests) {
        const index = next++;
        const app = random.chance(0.6) ? 'execution' : 'control';
        const request = hostileRequest(random, targets[app]);
        const answer = await send(urls[app], request);
        if (answer instanceof Error && refusedByClient(answer)) continue;
        report.requests += 1;
        const status = answer instanceof Error ? 'error' : String(answer.status);
        const counts = report.statuses[app] as Record<string, number>;
        counts[status] = (counts[status] ?? 0) + 1;
        const contentType = answer instanceof Error ? null : answer.contentType;
        // Refusals are problem details, but on the Campaign Classic SOAP route, where they are SOAP faults.
        const refusalType = request.target.startsWith('/nl/jsp/soaprouter.jsp') ? /^text\/xml/ : /^application\/problem\+json/;
        const bad = answer instanceof Error || answer.status >= 500 || (answer.status >= 400 && !refusalType.test(contentType ?? ''));
        if (bad && report.findings.length < 50) {
          report.findings.push({ app, request: describe(request), status: answer instanceof Error ? `${answer.name}: ${answer.message}` : answer.status, contentType });
        }
        if (index > 0 && index % 5_000 === 0) options.onProgress?.(index);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 16 }, worker));

    for (const [name, child, url] of [
      ['execution', execution, urls.execution],
      ['control', control, urls.control],
    ] as const) {
      const healthy = await fetch(`${url}/health`).then((response) => response.ok, () => false);
      report.alive[name] = child.exitCode === null && healthy;
    }
    report.errorLines = apps.flatMap((app) => app.lines.filter((line) => /"level":"error"|^\S+ error/.test(line) || !line.startsWith('{'))).slice(0, 50);
    return report;
  } finally {
    for (const app of apps) if (app.exitCode === null) app.kill('SIGTERM');
    await Promise.all(apps.map((app) => app.exited));
    await Promise.all([dropDatabaseIfExists(executionDb), dropDatabaseIfExists(controlDb), ...prefixes.map(deleteRedisPrefix)]);
  }
}

/** The report as a table (statuses per app), for a person. */
export function formatFuzzReport(report: FuzzReport): string {
  const statuses = [...new Set(Object.values(report.statuses).flatMap((counts) => Object.keys(counts)))].sort();
  const rows = Object.entries(report.statuses).map(([app, counts]) => `| ${app} | ${statuses.map((status) => counts[status] ?? 0).join(' | ')} |`);
  return [
    `seed ${report.seed}, ${report.requests} requests, findings ${report.findings.length}, alive ${JSON.stringify(report.alive)}`,
    `| app | ${statuses.join(' | ')} |`,
    `|---|${statuses.map(() => '---:').join('|')}|`,
    ...rows,
  ].join('\n');
}
