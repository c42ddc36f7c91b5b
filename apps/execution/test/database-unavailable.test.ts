import pg from 'pg';
import { createExecutionApp } from '../src/app';
import { EventIntake } from '../src/intake/event-intake';
import { ExecutionMetrics } from '../src/metrics/execution-metrics';
import { TemplateRenderer } from '@mc/templates';
import { FailedAuthLimiter } from '@mc/http';
import { orderEvent, testLogger } from '@mc/testing';
import { startExecutionHarness, type ExecutionHarness } from '../testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

describe('when PostgreSQL is unreachable', () => {
  let mc: ExecutionHarness;
  let server: Server;
  let deadPool: pg.Pool;
  let baseUrl: string;
  beforeAll(async () => {
    mc = await startExecutionHarness({ MC_ROLE: 'api' });
    // The same app, but its intake writes to a PostgreSQL that is not there (nothing listens on port 1).
    deadPool = new pg.Pool({ connectionString: 'postgresql://postgres@127.0.0.1:1/mc', connectionTimeoutMillis: 1000 });
    deadPool.on('error', () => undefined);
    const intake = new EventIntake({ pool: deadPool, queues: mc.instance.queues, logger: testLogger() });
    const app = createExecutionApp({
      prisma: mc.instance.db.prisma,
      pool: deadPool,
      redis: mc.instance.reconciliation.redis,
      intake,
      queues: mc.instance.queues,
      renderer: new TemplateRenderer(),
      auth: {
        verify: () => Promise.resolve({ name: 'test', producer: 'test', scopes: new Set(['events:write', 'events:read']) }),
        failures: new FailedAuthLimiter({ perSecond: 0, burst: 1 }),
      },
      logger: testLogger(),
      rtBodyLimitBytes: 100_000,
      batchBodyLimitBytes: 1_000_000,
      rateLimitPerSecond: 0,
      admin: { queues: [] },
      metrics: new ExecutionMetrics({ pool: deadPool, queues: [], instance: 'test', redis: mc.instance.reconciliation.redis, queuePrefix: mc.prefix }),
      soap: { sessionTtlMs: 60_000, faultHttpStatus: 200, bodyLimitBytes: 1_000_000, pushEventLimitBytes: 100_000, rateLimitPerSecond: 0, pingPendingThreshold: 10, instanceName: 'test' },
    });
    server = app.listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await deadPool.end();
    await mc.close();
  });

  it('then an event gets 503 with Retry-After, and nothing is queued', async () => {
    for (const [path, body] of [
      ['/api/v1/events', orderEvent()],
      ['/api/v1/events/batch', { events: [orderEvent(), orderEvent()] }],
    ] as const) {
      const response = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer any-key-the-stub-accepts' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(await response.json()).toMatchObject({ status: 503, code: 'unavailable' });
    }
    expect(await mc.instance.queues.rt.count()).toBe(0);
    expect(await mc.instance.queues.batch.count()).toBe(0);
  });

  it('then a SOAP push gets a Server fault with 503 (the producer retries), and mcPing.jsp says Error', async () => {
    const response = await fetch(`${baseUrl}/nl/jsp/soaprouter.jsp`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', soapaction: 'nms:rtEvent#PushEvent' },
      body: '<Envelope><Body><PushEvent xmlns="urn:nms:rtEvent"><sessiontoken>shop/any-key-the-stub-accepts</sessiontoken><domEvent><rtEvent type="A" email="a@example.com"/></domEvent></PushEvent></Body></Envelope>',
    });
    expect([response.status, response.headers.get('content-type')]).toEqual([503, 'text/xml; charset=utf-8']);
    expect(await response.text()).toMatch(/<faultcode>SOAP-ENV:Server<\/faultcode>/);
    const ping = await fetch(`${baseUrl}/nl/jsp/mcPing.jsp`);
    expect(ping.status).toBe(503);
    expect((await ping.text()).split('\n')[0]).toBe('Error');
  });

  it('then /ready says which dependency is down', async () => {
    const response = await fetch(`${baseUrl}/ready`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { checks: { postgres: string; redis: string } };
    expect(body.checks.redis).toBe('ok');
    expect(body.checks.postgres).not.toBe('ok');
    const healthy = await fetch(`${mc.baseUrl}/ready`);
    expect(healthy.status).toBe(200);
  });
});
