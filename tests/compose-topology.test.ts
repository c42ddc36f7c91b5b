import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { startSmtpSink, type SmtpSink } from '@mc/smtp-sink';
import {
  cloneTestDatabase,
  deleteRedisPrefix,
  randomQueuePrefix,
  freePort,
  spawnApp,
  waitForHealth,
  waitFor,
  TEST_REDIS_URL,
  type SpawnedApp,
  type TestDatabase,
  REPO_ROOT,
} from '@mc/testing';

/**
 * docker-compose.yml's topology run as local processes: the same environment per service, with
 * service hostnames mapped to 127.0.0.1, free ports, databases cloned for the test and queue
 * prefixes of its own; Mailpit's part is played by the SMTP sink. Its `setup` service's own
 * script registers the execution instances, then events pushed through both end up archived.
 */
const root = REPO_ROOT;
type Service = { command?: string[]; environment?: Record<string, string> };
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const APP_SERVICES = ['control', 'execution-1', 'execution-1-worker', 'execution-2'];


describe('the docker compose topology, run as local processes', () => {
  const apps: SpawnedApp[] = [];
  const databases: TestDatabase[] = [];
  const prefixes: string[] = [];
  const ports = new Map<string, number>();
  let smtp: SmtpSink;

  afterAll(async () => {
    for (const app of apps) app.kill('SIGTERM');
    await Promise.all(apps.map((app) => app.exited));
    await smtp?.close();
    await Promise.all(databases.map((database) => database.drop()));
    await Promise.all(prefixes.map(deleteRedisPrefix));
  });

  it('then events pushed through both execution instances are delivered and archived on control', async () => {
    smtp = await startSmtpSink();
    const databaseFor = new Map<string, string>();
    for (const name of ['control', 'execution-1', 'execution-2']) {
      const database = await cloneTestDatabase(name === 'control' ? 'control' : 'execution');
      databases.push(database);
      databaseFor.set(name, database.url);
      ports.set(name, await freePort());
    }
    databaseFor.set('execution-1-worker', databaseFor.get('execution-1') as string);
    const prefixFor = new Map([['execution-1', randomQueuePrefix()], ['execution-2', randomQueuePrefix()], ['control', randomQueuePrefix()]]);
    prefixFor.set('execution-1-worker', prefixFor.get('execution-1') as string);
    prefixes.push(...new Set(prefixFor.values()));

    for (const name of APP_SERVICES) {
      const service = compose.services[name] as Service;
      const env: Record<string, string> = { ...service.environment, REDIS_URL: TEST_REDIS_URL, LOG_LEVEL: 'error' };
      if (env.SMTP_URL) env.SMTP_URL = smtp.url;
      if (env.CONTROL_DATABASE_URL) env.CONTROL_DATABASE_URL = databaseFor.get(name) as string;
      if (env.EXECUTION_DATABASE_URL) env.EXECUTION_DATABASE_URL = databaseFor.get(name) as string;
      if (env.CONTROL_PORT) env.CONTROL_PORT = String(ports.get(name));
      if (env.EXECUTION_PORT) env.EXECUTION_PORT = String(ports.get(name.replace('-worker', '')));
      if (name === 'control') {
        env.MC_CONTROL_QUEUE_PREFIX = prefixFor.get(name) as string;
        env.ARCHIVE_EVERY_MS = '300'; // compose keeps the 1 min default; the test does not wait that long
      } else {
        env.MC_QUEUE_PREFIX = prefixFor.get(name) as string;
        env.UPDATE_EVENT_STATUS_EVERY_MS = '100';
      }
      const entry = service.command?.find((part) => part.endsWith('main.ts')) as string;
      apps.push(spawnApp(path.join(root, entry), env));
    }
    for (const name of ['control', 'execution-1', 'execution-2']) {
      await waitForHealth(`http://127.0.0.1:${ports.get(name)}`, 60_000);
    }

    // The setup service's own script, with the service hostnames mapped.
    let script = (compose.services.setup?.command?.[0] ?? '').replace(/\$\$/g, '$');
    for (const name of ['control', 'execution-1', 'execution-2']) {
      script = script.replace(new RegExp(`http://${name}:\\d+`, 'g'), `http://127.0.0.1:${ports.get(name)}`);
    }
    const registered = await promisify(execFile)('/bin/sh', ['-c', script]);
    expect(registered.stdout).toMatch(/"name":"exec-1"/);
    expect(registered.stdout).toMatch(/"name":"exec-2"/);

    const control = `http://127.0.0.1:${ports.get('control')}`;
    const admin = { authorization: `Bearer ${compose.services.control?.environment?.MC_ADMIN_TOKEN}`, 'content-type': 'application/json' };
    await fetch(`${control}/api/v1/templates/order`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ eventType: 'ORDER_CONFIRMATION', subject: 'Order {{ ctx.orderId }}', text: 'Thanks' }),
    });
    const published = (await (await fetch(`${control}/api/v1/templates/order/publish`, { method: 'POST', headers: admin })).json()) as {
      publications: Array<{ state: string }>;
    };
    expect(published.publications.map((publication) => publication.state)).toEqual(['done', 'done']);

    const ids: string[] = [];
    for (const name of ['execution-1', 'execution-2']) {
      for (let index = 0; index < 5; index++) {
        const response = await fetch(`http://127.0.0.1:${ports.get(name)}/api/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${compose.services[name]?.environment?.MC_API_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'ORDER_CONFIRMATION', email: `${name}-${index}@example.com`, ctx: { orderId: index } }),
        });
        expect(response.status).toBe(202);
        ids.push(((await response.json()) as { id: string }).id);
      }
    }
    await waitFor(
      async () => {
        const page = (await (await fetch(`${control}/api/v1/archive/events?status=sent&limit=100`, { headers: admin })).json()) as {
          items: Array<{ id: string; instance: string }>;
        };
        const archived = new Set(page.items.map((item) => item.id));
        return ids.every((id) => archived.has(id)) ? page : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(smtp.receivedCount).toBe(10);
  });
});
