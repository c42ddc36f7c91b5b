import type { Express } from 'express';
import { CONTROL_API, runArchiving } from '@mc/control';
import { openApiDocument } from '@mc/contract';
import { listRoutes } from '@mc/http';
import { OpenApiConformance, openApiDocumentErrors, orderEvent, TEST_CONTROL_KEY, type JsonAnswer } from '@mc/testing';
import { eventWithStatus, startExecutionHarness, type ExecutionHarness } from '@mc/execution/testing';
import { startControlHarness, type ControlHarness } from '@mc/control/testing';


const DRAFT = { eventType: 'ORDER_CONFIRMATION', channel: 'email', subject: 'Order {{ ctx.orderId }}', html: '<p>Hi {{ ctx.firstName }}</p>', text: 'Hi', from: 'Shop <orders@shop.example>' };

describe('the OpenAPI document of the control instance', () => {
  let control: ControlHarness;
  let execution: ExecutionHarness;
  let document: any;
  let conformance: OpenApiConformance;

  beforeAll(async () => {
    [control, execution] = await Promise.all([startControlHarness(), startExecutionHarness({ MC_INSTANCE_NAME: 'east', UPDATE_EVENT_STATUS_EVERY_MS: '100' })]);
    document = await (await fetch(`${control.baseUrl}/openapi.json`)).json();
    conformance = new OpenApiConformance(document);
  });
  afterAll(async () => {
    await control.close();
    await execution.close();
  });

  async function call(method: string, path: string, body?: unknown): Promise<JsonAnswer> {
    const answer = await control.request(method, path, body);
    conformance.check(method, path, answer);
    return answer;
  }

  it('is served at /openapi.json, is the one built from the schemas, and is valid OpenAPI 3.1 for an independent validator', async () => {
    expect(document).toEqual(openApiDocument(CONTROL_API));
    expect(await openApiDocumentErrors(document)).toEqual([]);
  });

  it('documents every route the app serves, and serves every route it documents (the dashboard apart)', () => {
    const served = listRoutes(control.control.server.listeners('request')[0] as Express)
      .filter((route) => !route.path.startsWith('/admin'))
      .map((route) => `${route.method} ${route.path}`)
      .sort();
    expect(CONTROL_API.operations.map((operation) => `${operation.method.toUpperCase()} ${operation.path}`).sort()).toEqual(served);
  });

  it('describes what the API really answers: every operation answered with a documented status, media type and body', async () => {
    for (const path of ['/openapi.json', '/docs', '/metrics']) {
      const answer = await fetch(`${control.baseUrl}${path}`);
      await answer.text();
      conformance.check('GET', path, { status: answer.status, body: undefined, headers: answer.headers });
    }
    await call('GET', '/health');
    await call('GET', '/ready');

    expect((await call('POST', '/api/v1/execution-instances', { name: 'east', url: execution.baseUrl, credential: TEST_CONTROL_KEY })).status).toBe(201);
    expect((await call('POST', '/api/v1/execution-instances', { name: 'east', url: execution.baseUrl, credential: TEST_CONTROL_KEY })).status).toBe(409);
    expect((await call('GET', '/api/v1/execution-instances')).status).toBe(200);

    expect((await call('PUT', '/api/v1/templates/order', { ...DRAFT, html: '{% if %}' })).status).toBe(400);
    expect((await call('PUT', '/api/v1/templates/order', DRAFT)).status).toBe(200);
    expect((await call('GET', '/api/v1/templates')).status).toBe(200);
    expect((await call('POST', '/api/v1/templates/order/preview', { ctx: { orderId: 7, firstName: 'Ada' } })).status).toBe(200);
    expect((await call('POST', '/api/v1/templates/order/publish')).status).toBe(201);
    expect((await call('GET', '/api/v1/templates/order')).status).toBe(200);
    expect((await call('GET', '/api/v1/templates/nothing-here')).status).toBe(404);

    const pushed = await execution.request('POST', '/api/v1/events', orderEvent());
    await eventWithStatus(execution, pushed.body.id, 'sent');
    await runArchiving(control.control.services.archiving, 'east');
    const archived = await call('GET', '/api/v1/archive/events?limit=5');
    expect(archived.body.items).toHaveLength(1);
    expect((await call('GET', '/api/v1/archive/events?from=yesterday')).status).toBe(400);
    expect((await call('GET', '/api/v1/reports/summary')).status).toBe(200);
    expect((await call('POST', '/api/v1/templates/order/unpublish')).status).toBe(200);
    expect((await call('DELETE', '/api/v1/execution-instances/east')).status).toBe(204);
    expect((await control.request('GET', '/api/v1/templates', undefined, null)).status).toBe(401);

    expect(conformance.problems).toEqual([]);
    const succeeded = new Set([...conformance.seen].filter((seen) => / 2\d\d$/.test(seen)).map((seen) => seen.replace(/ \d+$/, '')));
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods as object).map((method) => `${method.toUpperCase()} ${path}`));
    expect(operations.filter((operation) => !succeeded.has(operation))).toEqual([]);
  });
});
