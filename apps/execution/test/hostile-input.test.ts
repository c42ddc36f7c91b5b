import { orderEvent, TEST_CONTROL_KEY, TEST_PRODUCER_KEY } from '@mc/testing';
import { startExecutionHarness, type ExecutionHarness } from '../testing';

/** Client input PostgreSQL or Node would refuse is a 4xx problem naming the field, never a 5xx. */
describe('hostile input on the execution instance', () => {
  let mc: ExecutionHarness;
  beforeAll(async () => {
    mc = await startExecutionHarness({ MC_ROLE: 'api' });
  });
  afterAll(() => mc.close());

  const raw = (path: string, init: RequestInit = {}) =>
    fetch(`${mc.baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${TEST_PRODUCER_KEY}`, ...(init.headers as Record<string, string>) } });
  const expectProblem = async (answer: Response, status: number) => {
    expect(answer.status).toBe(status);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    return (await answer.json()) as { errors?: Array<{ path: string }> };
  };

  it('when a path holds a bad percent-encoding, then the answer is 400, with or without credentials', async () => {
    await expectProblem(await raw('/api/v1/events/%E0%A4%A'), 400);
    await expectProblem(await fetch(`${mc.baseUrl}/api/v1/events/%E0%A4%A`), 400);
    await expectProblem(await raw('/api/v1/suppressions/email/%FF', { headers: { authorization: `Bearer ${TEST_CONTROL_KEY}` }, method: 'DELETE' }), 400);
  });

  it('when ctx nests thousands of levels, then the answer is 400 naming ctx', async () => {
    const deep = `{"type":"T","email":"a@example.com","ctx":{"a":${'['.repeat(5_000)}${']'.repeat(5_000)}}}`;
    const body = await expectProblem(await raw('/api/v1/events', { method: 'POST', body: deep, headers: { 'content-type': 'application/json' } }), 400);
    expect(body.errors).toEqual([expect.objectContaining({ path: 'ctx' })]);
  });

  it('when strings hold NUL or lone surrogates, then the answer is 400 naming each field', async () => {
    const answer = await mc.request('POST', '/api/v1/events', orderEvent({ type: 'T', externalId: 'a\u0000b', ctx: { name: 'x\ud800y', ['k\u0000']: 1 } }));
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['ctx', 'externalId']);
    const lone = await mc.request('POST', '/api/v1/events', orderEvent({ externalId: 'lone-\udc00' }));
    expect(lone.status).toBe(400);
    expect(lone.body.errors).toEqual([expect.objectContaining({ path: 'externalId' })]);
    const batch = await mc.request('POST', '/api/v1/events/batch', { events: [orderEvent(), orderEvent({ email: 'a\u0000@example.com' })] });
    expect(batch.status).toBe(400);
    expect(batch.body.errors.map((error: { path: string }) => error.path)).toContain('events.1.email');
  });

  it('when list filters hold NUL bytes, then the answer is 400 (a URL cannot carry a lone surrogate: it decodes to U+FFFD)', async () => {
    await expectProblem(await raw('/api/v1/events?externalId=a%00b'), 400);
    await expectProblem(await raw('/api/v1/events?type=%00'), 400);
    expect((await raw('/api/v1/events?type=%ED%A0%80')).status).toBe(200);
    const control = { authorization: `Bearer ${TEST_CONTROL_KEY}` };
    await expectProblem(await raw('/api/v1/suppressions?address=a%00b', { headers: control }), 400);
    const suppression = await mc.request('POST', '/api/v1/suppressions', { channel: 'email', address: 'ok@example.com', reason: 'bad\u0000reason' }, TEST_CONTROL_KEY);
    expect(suppression.status).toBe(400);
    expect(suppression.body.errors).toEqual([expect.objectContaining({ path: 'reason' })]);
  });

  it('when a template field holds a NUL byte, then the answer is 400', async () => {
    const answer = await mc.request(
      'PUT',
      '/api/v1/templates/nul',
      { version: 1, eventType: 'T', channel: 'email', subject: 's\u0000', html: '', text: '' },
      TEST_CONTROL_KEY,
    );
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([expect.objectContaining({ path: 'subject' })]);
  });

  it('when a date is outside what PostgreSQL stores, then the answer is 400 naming it', async () => {
    for (const scheduledAt of ['0000-01-01T00:00:00Z', '-000001-01-01T00:00:00Z', '+275760-01-01T00:00:00Z']) {
      const answer = await mc.request('POST', '/api/v1/events', orderEvent({ scheduledAt }));
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toEqual([expect.objectContaining({ path: 'scheduledAt' })]);
    }
    const far = await mc.request('POST', '/api/v1/events', orderEvent({ expiresAt: '9999-12-31T23:59:59Z', scheduledAt: '0001-01-01T00:00:00Z' }));
    expect(far.status).toBe(202);
  });

  it('when a gzip body is corrupt or its encoding unknown, then the answer is a 4xx problem', async () => {
    const headers = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
    await expectProblem(await raw('/api/v1/events', { method: 'POST', body: 'not gzip at all', headers }), 400);
    await expectProblem(await raw('/api/v1/events', { method: 'POST', body: '{}', headers: { ...headers, 'content-encoding': 'zstd-x' } }), 415);
  });

  it('when the JSON is malformed or of another media type, then the answer is a 4xx problem', async () => {
    await expectProblem(await raw('/api/v1/events', { method: 'POST', body: '{"type":', headers: { 'content-type': 'application/json' } }), 400);
    await expectProblem(await raw('/api/v1/events', { method: 'POST', body: 'type=T', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415);
    await expectProblem(await raw('/api/v1/events', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json; charset=latin-9' } }), 415);
  });
});
