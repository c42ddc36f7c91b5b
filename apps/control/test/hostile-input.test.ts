import { startControlHarness, type ControlHarness } from '../testing';

const DRAFT = { eventType: 'ORDER_CONFIRMATION', channel: 'email', subject: 'Order {{ ctx.orderId }}', html: '<p>{{ ctx.items | first | upcase }}</p>', text: '' };

/** Operator input PostgreSQL or the renderer would refuse is a 4xx problem, never a 5xx. */
describe('hostile input on the control instance', () => {
  let control: ControlHarness;
  beforeAll(async () => {
    control = await startControlHarness();
  });
  afterAll(() => control.close());

  it('when a preview fails to render with the given data, then the answer is 422 with the render error', async () => {
    expect((await control.request('PUT', '/api/v1/templates/preview-me', { ...DRAFT, html: '{{ ctx.n | divided_by: 0 | round: "x" }}{% for i in (1..ctx.n) %}{% endfor %}' })).status).toBe(200);
    const broken = await control.request('POST', '/api/v1/templates/preview-me/preview', { ctx: { n: 100_000_000 } });
    expect(broken.status).toBe(422);
    expect(broken.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(broken.body).toMatchObject({ code: 'unprocessable', detail: expect.stringMatching(/failed to render/) });
  });

  it('when a preview ctx nests thousands of levels, then the answer is 400 naming ctx', async () => {
    expect((await control.request('PUT', '/api/v1/templates/deep', DRAFT)).status).toBe(200);
    const deep = `{"ctx":{"a":${'['.repeat(5_000)}${']'.repeat(5_000)}}}`;
    const answer = await control.request('POST', '/api/v1/templates/deep/preview', deep);
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([expect.objectContaining({ path: 'ctx' })]);
  });

  it('when a draft, a registration or an archive filter holds NUL bytes, then the answer is 400 naming the field', async () => {
    const draft = await control.request('PUT', '/api/v1/templates/nul', { ...DRAFT, text: 'a\u0000' });
    expect(draft.status).toBe(400);
    expect(draft.body.errors).toEqual([expect.objectContaining({ path: 'text' })]);
    const registration = await control.request('POST', '/api/v1/execution-instances', { name: 'x', url: 'http://127.0.0.1:1', credential: 'a'.repeat(16) + '\u0000' });
    expect(registration.status).toBe(400);
    expect(registration.body.errors).toEqual([expect.objectContaining({ path: 'credential' })]);
    for (const query of ['instance=a%00', 'type=%00', 'status=x%00', 'from=0000-01-01T00:00:00Z', `cursor=${Buffer.from('2026-01-01T00:00:00Z|a\u0000|00000000-0000-0000-0000-000000000000').toString('base64url')}`]) {
      const answer = await control.request('GET', `/api/v1/archive/events?${query}`);
      expect([query, answer.status]).toEqual([query, 400]);
    }
    const removal = await control.request('DELETE', '/api/v1/execution-instances/a%00b');
    expect(removal.status).toBe(400);
  });
});
