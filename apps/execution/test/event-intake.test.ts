import { DEFAULT_PRODUCER, eventInputSchema } from '@mc/contract';
import { orderEvent, templateVersion, TEST_CONTROL_KEY } from '@mc/testing';
import { LINKED, eventWithStatus, startExecutionHarness, type ExecutionHarness } from '../testing';

describe('POST /api/v1/events (real-time intake)', () => {
  let mc: ExecutionHarness;
  beforeAll(async () => {
    mc = await startExecutionHarness();
    const published = await mc.request('PUT', '/api/v1/templates/order-confirmation', templateVersion(), TEST_CONTROL_KEY);
    expect(published.status).toBe(200);
  });
  afterAll(() => mc.close());

  it('when an event is posted, then it is stored, answered 202 and linked to the published template', async () => {
    const posted = await mc.request('POST', '/api/v1/events', {
      type: 'ORDER_CONFIRMATION',
      email: 'ada@example.com',
      externalId: 'order-1042',
      ctx: { firstName: 'Ada', orderId: 1042 },
    });
    expect(posted.status).toBe(202);
    expect(posted.body).toEqual({ id: expect.any(String), status: 'pending', kind: 'rt' });
    expect(posted.headers.get('location')).toBe(`/api/v1/events/${posted.body.id}`);

    const linked = await eventWithStatus(mc, posted.body.id, LINKED);
    expect(linked).toMatchObject({ kind: 'rt', type: 'ORDER_CONFIRMATION', channel: 'email', externalId: 'order-1042', attempts: 1 });
    expect(linked.template).toEqual({ name: 'order-confirmation', version: 1 });
    expect(linked.deliveries).toEqual([
      expect.objectContaining({ channel: 'email', recipient: 'ada@example.com', templateVersion: 1 }),
    ]);
  });

  it('when events arrive together, then they are stored by one INSERT and queued as one job named after the first; a lone event is its own job', async () => {
    const intake = mc.instance.intake!;
    // Submitted in one turn of the event loop: one intake group.
    const together = await Promise.all(Array.from({ length: 30 }, () => intake.acceptRealtime(eventInputSchema.parse(orderEvent()), DEFAULT_PRODUCER)));
    const alone = await intake.acceptRealtime(eventInputSchema.parse(orderEvent()), DEFAULT_PRODUCER);
    const ids = [...together.map((event) => event.id), alone.id];
    const { rows } = await mc.instance.db.pool.query<{ id: string; job_id: string }>('SELECT id, job_id FROM events WHERE id = ANY($1::uuid[])', [ids]);
    const jobOf = new Map(rows.map((row) => [row.id, row.job_id]));
    expect(new Set(together.map((event) => jobOf.get(event.id)))).toEqual(new Set([together[0]?.id]));
    expect(jobOf.get(alone.id)).toBe(alone.id);
    for (const id of ids) await eventWithStatus(mc, id, LINKED);
  });

  it('when an externalId is repeated, then the answer is 200 with the id, status and kind of the existing event, and nothing is created', async () => {
    const first = await mc.request('POST', '/api/v1/events', orderEvent({ externalId: 'order-repeat' }));
    const second = await mc.request('POST', '/api/v1/events', orderEvent({ externalId: 'order-repeat' }));
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ id: first.body.id, status: expect.stringMatching(/^pending/), kind: 'rt' });
    const { rows } = await mc.instance.db.pool.query("SELECT count(*)::int AS n FROM events WHERE external_id = 'order-repeat'");
    expect(rows[0].n).toBe(1);
  });

  it('when 50 requests with one externalId arrive at once, then exactly one event exists and one request got 202', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => mc.request('POST', '/api/v1/events', orderEvent({ externalId: 'order-race' }))),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses.filter((status) => status === 202)).toHaveLength(1);
    expect(statuses.filter((status) => status === 200)).toHaveLength(49);
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
    const { rows } = await mc.instance.db.pool.query("SELECT count(*)::int AS n FROM events WHERE external_id = 'order-race'");
    expect(rows[0].n).toBe(1);
  });

  it('when the body has several bad fields, then the 400 problem lists every one of them and nothing is stored', async () => {
    const before = await mc.instance.db.pool.query('SELECT count(*)::int AS n FROM events');
    const answer = await mc.request('POST', '/api/v1/events', {
      type: 'has spaces!',
      channel: 'fax',
      email: 'not-an-email',
      ctx: 'not an object',
      scheduledAt: 'tomorrow',
      emial: 'typo@example.com',
    });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ status: 400, code: 'validation_failed', type: '/problems/validation-failed' });
    const paths = answer.body.errors.map((error: { path: string }) => error.path);
    expect(paths).toEqual(expect.arrayContaining(['type', 'channel', 'email', 'ctx', 'scheduledAt', '']));
    expect(answer.body.errors.find((error: { path: string }) => error.path === '').message).toMatch(/emial/);
    const after = await mc.instance.db.pool.query('SELECT count(*)::int AS n FROM events');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('when the channel-specific address is missing, then the 400 names it', async () => {
    const sms = await mc.request('POST', '/api/v1/events', { type: 'OTP', channel: 'sms', mobilePhone: '0612' });
    expect(sms.status).toBe(400);
    expect(sms.body.errors).toEqual([expect.objectContaining({ path: 'mobilePhone', message: expect.stringMatching(/E\.164/) })]);
    const email = await mc.request('POST', '/api/v1/events', { type: 'ORDER_CONFIRMATION' });
    expect(email.body.errors).toEqual([{ path: 'email', message: 'is required when channel is email' }]);
    const window = await mc.request('POST', '/api/v1/events', orderEvent({ scheduledAt: '2030-01-02T00:00:00Z', expiresAt: '2030-01-01T00:00:00Z' }));
    expect(window.body.errors).toEqual([{ path: 'expiresAt', message: 'must be after scheduledAt' }]);
  });

  it('when a value PostgreSQL cannot store is sent (NUL, deep nesting), then it is a 400 and other requests are unaffected', async () => {
    const nul = await mc.request('POST', '/api/v1/events', orderEvent({ externalId: 'x\u0000y', ctx: { note: 'a\u0000b' } }));
    expect(nul.status).toBe(400);
    expect(nul.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['ctx', 'externalId']);
    let deep: Record<string, unknown> = {};
    for (let level = 0; level < 40; level++) deep = { deep };
    const nested = await mc.request('POST', '/api/v1/events', orderEvent({ ctx: deep }));
    expect(nested.status).toBe(400);
    expect(nested.body.errors).toEqual([expect.objectContaining({ path: 'ctx', message: expect.stringMatching(/nest deeper than 32/) })]);

    // A lone surrogate passes JSON and zod but not PostgreSQL's jsonb: its request alone fails.
    const [bad, good] = await Promise.all([
      mc.request('POST', '/api/v1/events', orderEvent({ ctx: { broken: '\ud800' } })),
      mc.request('POST', '/api/v1/events', orderEvent({ externalId: 'beside-a-bad-one' })),
    ]);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
    expect(good.status).toBe(202);
  });

  it('when ctx is larger than 64 KiB, then the answer is 400 on ctx', async () => {
    const answer = await mc.request('POST', '/api/v1/events', orderEvent({ ctx: { blob: 'x'.repeat(70 * 1024) } }));
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([expect.objectContaining({ path: 'ctx', message: expect.stringMatching(/65536 bytes/) })]);
  });

  it('when the body is larger than the limit, then the answer is 413 problem+json', async () => {
    const answer = await mc.request('POST', '/api/v1/events', orderEvent({ ctx: { blob: 'x'.repeat(200 * 1024) } }));
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  it('when the body is not JSON, then the answer is 400 (malformed) or 415 (other media type)', async () => {
    const malformed = await mc.request('POST', '/api/v1/events', '{"type": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('validation_failed');
    const response = await fetch(`${mc.baseUrl}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: 'Bearer mc_test_producer_key_0123456789abcdef', 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(response.status).toBe(415);
  });

  it('when the key is missing or unknown, then the answer is 401; with another scope, 403', async () => {
    const missing = await mc.request('POST', '/api/v1/events', orderEvent(), null);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    const unknown = await mc.request('POST', '/api/v1/events', orderEvent(), 'mc_not_a_real_key_at_all_000000000');
    expect(unknown.status).toBe(401);
    expect(unknown.body.code).toBe('unauthorized');
    const control = await mc.request('POST', '/api/v1/events', orderEvent(), TEST_CONTROL_KEY);
    expect(control.status).toBe(403);
    expect(control.body.detail).toMatch(/events:write/);
  });

  it('when a route does not exist, then the answer is a 404 problem', async () => {
    const answer = await mc.request('GET', '/api/v1/nothing-here');
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('not_found');
  });
});

describe('intake rate limit', () => {
  let mc: ExecutionHarness;
  beforeAll(async () => {
    mc = await startExecutionHarness({ INTAKE_RATE_LIMIT_PER_SECOND: '5', MC_ROLE: 'api' });
  });
  afterAll(() => mc.close());

  it('when a key sends more than its rate, then the excess is answered 429 with Retry-After and the RateLimit header fields', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, () => mc.request('POST', '/api/v1/events', orderEvent())));
    const limited = answers.filter((answer) => answer.status === 429);
    expect(answers.filter((answer) => answer.status === 202).length).toBeGreaterThanOrEqual(5);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    expect(limited[0]?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited[0]?.body.code).toBe('rate_limited');
    expect(limited[0]?.headers.get('ratelimit-policy')).toBe('"per-key";q=5;w=1');
    expect(limited[0]?.headers.get('ratelimit')).toMatch(/^"per-key";r=0;t=[1-9]\d*$/);
  });
});
