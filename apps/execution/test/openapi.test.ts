import { openApiDocument } from '@mc/contract';
import { listRoutes } from '@mc/http';
import { startSmtpSink, type SmtpSink } from '@mc/smtp-sink';
import { OpenApiConformance, openApiDocumentErrors, orderEvent, startSmsProvider, templateVersion, TEST_CONTROL_KEY, TEST_PRODUCER_KEY, type JsonAnswer, type SmsProvider } from '@mc/testing';
import { eventWithStatus, startExecutionHarness, type ExecutionHarness } from '../testing';
import { EXECUTION_API } from '../src/http/api-description';

const RECEIPT_TOKEN = 'sms-receipts-secret-0123456789';
const FEEDBACK_TOKEN = 'email-feedback-secret-0123456789';

describe('the OpenAPI document of the execution instance', () => {
  let smtp: SmtpSink;
  let sms: SmsProvider;
  let mc: ExecutionHarness;
  let document: any;
  let conformance: OpenApiConformance;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    sms = await startSmsProvider();
    mc = await startExecutionHarness({ SMTP_URL: smtp.url, SMS_PROVIDER_URL: sms.url, SMS_RECEIPT_TOKEN: RECEIPT_TOKEN, EMAIL_FEEDBACK_TOKEN: FEEDBACK_TOKEN, UPDATE_EVENT_STATUS_EVERY_MS: '100' });
    document = await (await fetch(`${mc.baseUrl}/openapi.json`)).json();
    conformance = new OpenApiConformance(document);
  });
  afterAll(async () => {
    await mc.close();
    await smtp.close();
    await sms.close();
  });

  /** A call whose answer is checked against the document. */
  async function call(method: string, path: string, body?: unknown, key: string | null = TEST_PRODUCER_KEY): Promise<JsonAnswer> {
    const answer = await mc.request(method, path, body, key);
    conformance.check(method, path, answer);
    return answer;
  }

  it('is served at /openapi.json, is the one built from the schemas, and is a valid OpenAPI 3.1 document for an independent validator', async () => {
    expect(document).toEqual(openApiDocument(EXECUTION_API));
    expect(document.openapi).toMatch(/^3\.1\./);
    expect(await openApiDocumentErrors(document)).toEqual([]);
  });

  it('the checks catch what they are for: a broken document, an answer off its schema, an undocumented status or media type', async () => {
    expect(await openApiDocumentErrors({ ...document, info: { title: 'no version' } })).toEqual([expect.objectContaining({ instancePath: '/info', message: "must have required property 'version'" })]);
    const strict = new OpenApiConformance(document);
    const json = new Headers({ 'content-type': 'application/json; charset=utf-8' });
    strict.check('GET', '/health', { status: 200, body: { status: 'ok' }, headers: json });
    expect(strict.problems).toEqual([]);
    strict.check('GET', '/health', { status: 200, body: { status: 'fine' }, headers: json });
    strict.check('GET', '/health', { status: 418, body: { status: 'ok' }, headers: json });
    strict.check('GET', '/health', { status: 200, body: { status: 'ok' }, headers: new Headers({ 'content-type': 'text/plain' }) });
    strict.check('GET', '/nowhere', { status: 200, body: {}, headers: json });
    expect(strict.problems).toEqual([
      expect.stringMatching(/^GET \/health → 200: .*must be equal to constant/),
      'GET /health → 418: status not documented for GET /health',
      'GET /health → 200: content type text/plain is not documented (application/json)',
      'GET /nowhere → 200: no documented operation',
    ]);
  });

  it('documents every route the app serves, and serves every route it documents (the dashboard apart)', () => {
    const served = listRoutes(mc.instance.app as never)
      .filter((route) => !route.path.startsWith('/admin'))
      .map((route) => `${route.method} ${route.path}`)
      .sort();
    const documented = EXECUTION_API.operations.map((operation) => `${operation.method.toUpperCase()} ${operation.path}`).sort();
    expect(documented).toEqual(served);
    expect(new Set(EXECUTION_API.operations.map((operation) => operation.operationId)).size).toBe(EXECUTION_API.operations.length);
  });

  it('describes what the API really answers: every operation answered with a documented status, media type and body', async () => {
    for (const path of ['/openapi.json', '/docs', '/metrics']) {
      const answer = await fetch(`${mc.baseUrl}${path}`);
      await answer.text();
      conformance.check('GET', path, { status: answer.status, body: undefined, headers: answer.headers });
    }
    await call('GET', '/health');
    await call('GET', '/ready');

    // Templates, as control publishes them.
    await call('PUT', '/api/v1/templates/order-confirmation', templateVersion({ listUnsubscribe: 'https://shop.example/u/{{ event.id }}' }), TEST_CONTROL_KEY);
    await call('PUT', '/api/v1/templates/otp', templateVersion({ eventType: 'OTP', channel: 'sms', subject: '', html: '', text: 'Code {{ ctx.code }}' }), TEST_CONTROL_KEY);
    await call('PUT', '/api/v1/templates/order-confirmation', templateVersion({ eventType: 'ELSEWHERE' }), TEST_CONTROL_KEY);
    await call('GET', '/api/v1/templates', undefined, TEST_CONTROL_KEY);

    // Producers.
    const pushed = await call('POST', '/api/v1/events', orderEvent({ externalId: 'openapi-1' }));
    expect(pushed.status).toBe(202);
    expect((await call('POST', '/api/v1/events', orderEvent({ externalId: 'openapi-1' }))).status).toBe(200);
    expect((await call('POST', '/api/v1/events', { type: 'X', email: 'not an address', emial: 1 })).status).toBe(400);
    expect((await call('POST', '/api/v1/events', orderEvent(), null)).status).toBe(401);
    expect((await call('POST', '/api/v1/events', orderEvent(), TEST_CONTROL_KEY)).status).toBe(403);
    expect((await call('POST', '/api/v1/events/batch', { events: [orderEvent(), orderEvent()] })).status).toBe(202);
    // Idempotency-Key: a replay, another body (422), a malformed key (400).
    const withKey = async (path: string, body: unknown, key: string) => {
      const answer = await fetch(`${mc.baseUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_PRODUCER_KEY}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
      });
      const checked = { status: answer.status, body: await answer.json(), headers: answer.headers };
      conformance.check('POST', path, checked);
      return checked.status;
    };
    const keyed = orderEvent({ externalId: 'openapi-keyed' });
    expect([await withKey('/api/v1/events', keyed, 'k-1'), await withKey('/api/v1/events', keyed, 'k-1')]).toEqual([202, 202]);
    expect(await withKey('/api/v1/events', orderEvent(), 'k-1')).toBe(422);
    expect(await withKey('/api/v1/events/batch', { events: [keyed] }, 'k-2')).toBe(202);
    expect(await withKey('/api/v1/events/batch', { events: [keyed] }, '')).toBe(400);
    await eventWithStatus(mc, pushed.body.id, 'sent');
    expect((await call('GET', `/api/v1/events/${pushed.body.id}`)).status).toBe(200);
    expect((await call('GET', '/api/v1/events/0190f5a2-7b3c-7d4e-8f90-123456789abc')).status).toBe(404);
    expect((await call('GET', '/api/v1/events?limit=1')).status).toBe(200);
    expect((await call('GET', '/api/v1/events?limit=0')).status).toBe(400);

    // A hard failure (suppressed), lifted, then replayed.
    smtp.setPolicy((recipient) => (recipient === 'gone@example.com' ? { code: 550, message: 'no such user' } : 'accept'));
    const failed = await call('POST', '/api/v1/events', orderEvent({ email: 'gone@example.com' }));
    await eventWithStatus(mc, failed.body.id, 'delivery_failed');
    smtp.setPolicy(() => 'accept');
    expect((await call('POST', `/api/v1/events/${failed.body.id}/retry`, undefined, TEST_CONTROL_KEY)).status).toBe(409);
    expect((await call('GET', '/api/v1/suppressions?channel=email', undefined, TEST_CONTROL_KEY)).body.items).toHaveLength(1);
    expect((await call('DELETE', '/api/v1/suppressions/email/gone@example.com', undefined, TEST_CONTROL_KEY)).status).toBe(204);
    expect((await call('POST', `/api/v1/events/${failed.body.id}/retry`, undefined, TEST_CONTROL_KEY)).status).toBe(202);
    expect((await call('POST', '/api/v1/deliveries/retry', { reason: '5.1.1' }, TEST_CONTROL_KEY)).status).toBe(202);
    expect((await call('POST', '/api/v1/suppressions', { channel: 'sms', address: '+33600000001', reason: 'asked' }, TEST_CONTROL_KEY)).status).toBe(201);

    // An SMS, and its provider's receipt.
    const text = await call('POST', '/api/v1/events', { type: 'OTP', channel: 'sms', mobilePhone: '+33611111111', ctx: { code: '4242' } });
    const sent = await eventWithStatus(mc, text.body.id, 'sent');
    expect((await call('POST', '/api/v1/providers/sms/receipts', { providerMessageId: sent.deliveries[0].providerMessageId, status: 'delivered' }, RECEIPT_TOKEN)).status).toBe(202);
    expect((await call('POST', '/api/v1/providers/sms/receipts', { providerMessageId: 'unknown', status: 'delivered' }, RECEIPT_TOKEN)).status).toBe(404);

    // Status webhooks.
    const hook = await call('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:1/hooks', events: ['event.sent'] });
    expect(hook.status).toBe(201);
    expect((await call('POST', '/api/v1/webhooks', { url: 'not a url' })).status).toBe(400);
    expect((await call('GET', '/api/v1/webhooks')).status).toBe(200);
    expect((await call('GET', `/api/v1/webhooks/${hook.body.id}`)).status).toBe(200);
    expect((await call('PATCH', `/api/v1/webhooks/${hook.body.id}`, { events: null })).status).toBe(200);
    expect((await call('POST', `/api/v1/webhooks/${hook.body.id}/rotate-secret`)).status).toBe(200);
    expect((await call('POST', `/api/v1/webhooks/${hook.body.id}/test`)).status).toBe(202);
    expect((await call('GET', `/api/v1/webhooks/${hook.body.id}/attempts?limit=5`)).status).toBe(200);
    expect((await call('DELETE', `/api/v1/webhooks/${hook.body.id}`)).status).toBe(204);
    expect((await call('GET', `/api/v1/webhooks/${hook.body.id}`)).status).toBe(404);

    // Campaign Classic: a SOAP push and the health page.
    for (const [method, path, body] of [
      ['POST', '/nl/jsp/soaprouter.jsp', `<Envelope><Body><PushEvent xmlns="urn:nms:rtEvent"><sessiontoken>x/${TEST_PRODUCER_KEY}</sessiontoken><domEvent><rtEvent type="ORDER_CONFIRMATION" email="soap@example.com"/></domEvent></PushEvent></Body></Envelope>`],
      ['GET', '/nl/jsp/mcPing.jsp', undefined],
      ['GET', '/nl/jsp/schemawsdl.jsp?schema=nms:rtEvent', undefined],
    ] as const) {
      const answer = await fetch(`${mc.baseUrl}${path}`, { method, body, headers: body ? { 'content-type': 'text/xml' } : {} });
      expect([path, answer.status]).toEqual([path, 200]);
      await answer.text();
      conformance.check(method, path, { status: answer.status, body: undefined, headers: answer.headers });
    }

    // An email provider's report (a soft bounce: recorded, nothing else changes).
    const delivered = (await call('GET', `/api/v1/events/${pushed.body.id}`)).body.deliveries[0];
    expect((await call('POST', '/api/v1/providers/email/feedback', { messageId: delivered.providerMessageId, kind: 'bounce', permanent: false }, FEEDBACK_TOKEN)).status).toBe(202);
    expect((await call('POST', '/api/v1/providers/email/feedback', { messageId: 'x', kind: 'nope' }, FEEDBACK_TOKEN)).status).toBe(400);

    // The archive feed, and unpublishing.
    expect((await call('GET', '/api/v1/archive?limit=10', undefined, TEST_CONTROL_KEY)).status).toBe(200);
    expect((await call('DELETE', '/api/v1/templates/otp', undefined, TEST_CONTROL_KEY)).status).toBe(204);

    expect(conformance.problems).toEqual([]);
    // Every operation was seen answering with success.
    const succeeded = new Set([...conformance.seen].filter((seen) => / 2\d\d$/.test(seen)).map((seen) => seen.replace(/ \d+$/, '')));
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods as object).map((method) => `${method.toUpperCase()} ${path}`));
    expect(operations.filter((operation) => !succeeded.has(operation))).toEqual([]);
  });

  it('renders at /docs from files this server serves: no CDN, no external font, a policy that forbids them', async () => {
    const page = await fetch(`${mc.baseUrl}/docs`);
    const html = await page.text();
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'/);
    expect(html).not.toMatch(/https?:\/\//);
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string);
    expect(sources).toEqual(expect.arrayContaining(['/docs/assets/swagger-ui.css', '/docs/assets/swagger-ui-bundle.js', '/docs/init.js']));
    for (const source of sources) {
      const asset = await fetch(`${mc.baseUrl}${source}`);
      expect([source, asset.status]).toEqual([source, 200]);
      const body = await asset.text();
      if (source.endsWith('.css')) expect(body).not.toMatch(/@import|url\(\s*["']?https?:/);
    }
    expect(await (await fetch(`${mc.baseUrl}/docs/init.js`)).text()).toMatch(/url: '\/openapi\.json'/);
  });
});
