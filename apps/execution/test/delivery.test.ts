import { eventViewSchema } from '@mc/contract';
import { startSmtpSink, type SmtpSink } from '@mc/smtp-sink';
import { orderEvent, startSmsProvider, templateVersion, waitFor, TEST_CONTROL_KEY, type SmsProvider } from '@mc/testing';
import { eventWithStatus, startExecutionHarness, type ExecutionHarness } from '../testing';
import { updateEventStatusBatch } from '../src/sql/update-event-status-batch';

const FINAL = ['sent', 'ignored', 'delivery_failed'];

describe('delivery (email over SMTP, SMS over HTTP) and updateEventStatus', () => {
  let smtp: SmtpSink;
  let sms: SmsProvider;
  let mc: ExecutionHarness;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    sms = await startSmsProvider();
    mc = await startExecutionHarness({
      SMTP_URL: smtp.url,
      SMS_PROVIDER_URL: sms.url,
      MC_EMAIL_FROM: 'Shop <no-reply@shop.example>',
      MC_EMAIL_REPLY_TO: 'help@shop.example',
      DELIVERY_MAX_ATTEMPTS: '3',
      DELIVERY_RETRY_SCHEDULE_MS: '20',
      UPDATE_EVENT_STATUS_EVERY_MS: '100',
    });
    await mc.request('PUT', '/api/v1/templates/order-confirmation', templateVersion(), TEST_CONTROL_KEY);
    await mc.request(
      'PUT',
      '/api/v1/templates/otp',
      templateVersion({ eventType: 'OTP', channel: 'sms', subject: '', html: '', text: 'Code {{ ctx.code }}' }),
      TEST_CONTROL_KEY,
    );
  });
  afterEach(() => {
    smtp.setPolicy(() => 'accept');
    sms.setPolicy((request) => ({ status: 200, body: { id: `sms-${request.idempotencyKey}` } }));
  });
  afterAll(async () => {
    await mc.close();
    await smtp.close();
    await sms.close();
  });

  const post = async (body: Record<string, unknown>) => (await mc.request('POST', '/api/v1/events', body)).body.id as string;
  const received = (address: string) => smtp.messages.filter((message) => message.to.includes(address));

  it('when an email event is processed, then the mail reaches the SMTP server with a stable Message-ID and the event becomes sent', async () => {
    const id = await post(orderEvent({ email: 'ada@example.com', ctx: { firstName: 'Ada', orderId: 1042 } }));
    const event = await eventWithStatus(mc, id, 'sent');
    // The answer is what the contract says a client gets.
    expect(eventViewSchema.safeParse(event).error).toBeUndefined();
    const [delivery] = event.deliveries;
    expect(delivery).toMatchObject({ status: 'sent', attempts: 1, lastError: null, sentAt: expect.any(String) });
    // On the From address's domain, and the message says no auto-reply should answer it.
    expect(delivery.providerMessageId).toBe(`<${delivery.id}@shop.example>`);
    const [mail] = received('ada@example.com');
    expect(mail?.messageId).toBe(delivery.providerMessageId);
    expect(mail?.subject).toBe('Order 1042 confirmed');
    expect(mail?.raw).toMatch(/^From: Shop <no-reply@shop\.example>/m);
    expect(mail?.raw).toMatch(/^Reply-To: help@shop\.example/m);
    expect(mail?.raw).toMatch(/^Auto-Submitted: auto-generated\r$/m);
    expect(mail?.raw).toMatch(/Content-Type: text\/plain/);
    expect(mail?.raw).toMatch(/Content-Type: text\/html/);
  });

  it('when the server answers 4xx once, then the delivery is retried and sent', async () => {
    let refusals = 0;
    smtp.setPolicy((recipient) => (recipient === 'busy@example.com' && refusals++ === 0 ? { code: 451, message: 'try again later' } : 'accept'));
    const id = await post(orderEvent({ email: 'busy@example.com' }));
    const event = await eventWithStatus(mc, id, 'sent');
    expect(event.deliveries[0]).toMatchObject({ status: 'sent', attempts: 2 });
    expect(received('busy@example.com')).toHaveLength(1);
  });

  it('when the connection drops during a send, then the delivery waits for the server and is sent, its lost try not counted', async () => {
    let drops = 0;
    smtp.setPolicy((recipient) => (recipient === 'flaky@example.com' && drops++ === 0 ? 'drop' : 'accept'));
    const id = await post(orderEvent({ email: 'flaky@example.com' }));
    const event = await eventWithStatus(mc, id, 'sent');
    expect(drops).toBe(2);
    // A transport failure is the server's, not the message's: it does not spend an attempt.
    expect(event.deliveries[0]).toMatchObject({ attempts: 1, nextAttemptAt: null });
  });

  it('when the server keeps answering 4xx, then the delivery fails after the configured attempts, without suppression', async () => {
    smtp.setPolicy((recipient) => (recipient === 'full@example.com' ? { code: 452, message: 'mailbox full' } : 'accept'));
    const id = await post(orderEvent({ email: 'full@example.com' }));
    const event = await eventWithStatus(mc, id, 'delivery_failed');
    expect(event.deliveries[0]).toMatchObject({ status: 'failed', attempts: 3, lastError: expect.stringMatching(/gave up after 3 attempts \(DELIVERY_MAX_ATTEMPTS reached\): .*452/) });
    expect(event.statusReason).toMatch(/mailbox full/);
    const listed = await mc.request('GET', '/api/v1/suppressions?channel=email&address=full@example.com', undefined, TEST_CONTROL_KEY);
    expect(listed.body.items).toEqual([]);
  });

  it('when the server answers 5xx, then the delivery fails at once, the address is suppressed, and the next event to it is ignored without a send', async () => {
    smtp.setPolicy((recipient) => (recipient === 'gone@example.com' ? { code: 550, message: 'no such user' } : 'accept'));
    const first = await post(orderEvent({ email: 'gone@example.com' }));
    const failed = await eventWithStatus(mc, first, 'delivery_failed');
    expect(failed.deliveries[0]).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringMatching(/550 no such user/) });
    const listed = await mc.request('GET', '/api/v1/suppressions?channel=email&address=GONE@example.com', undefined, TEST_CONTROL_KEY);
    expect(listed.body.items).toEqual([expect.objectContaining({ address: 'gone@example.com', reason: expect.stringMatching(/550/) })]);

    smtp.setPolicy(() => 'accept');
    const second = await post(orderEvent({ email: 'Gone@Example.com' }));
    const ignored = await eventWithStatus(mc, second, 'ignored');
    expect(ignored.deliveries[0]).toMatchObject({ status: 'ignored', attempts: 0, lastError: expect.stringMatching(/^suppressed: /) });
    expect(received('Gone@Example.com')).toHaveLength(0);
  });

  it('when an operator suppresses an address, then events to it are ignored until the suppression is removed or expires', async () => {
    const added = await mc.request(
      'POST',
      '/api/v1/suppressions',
      { channel: 'email', address: 'Optout@example.com', reason: 'asked to stop' },
      TEST_CONTROL_KEY,
    );
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ channel: 'email', address: 'optout@example.com', reason: 'asked to stop', expiresAt: null });
    await eventWithStatus(mc, await post(orderEvent({ email: 'optout@example.com' })), 'ignored');

    expect((await mc.request('DELETE', '/api/v1/suppressions/email/optout@example.com', undefined, TEST_CONTROL_KEY)).status).toBe(204);
    expect((await mc.request('DELETE', '/api/v1/suppressions/email/optout@example.com', undefined, TEST_CONTROL_KEY)).status).toBe(404);
    await eventWithStatus(mc, await post(orderEvent({ email: 'optout@example.com' })), 'sent');

    await mc.request(
      'POST',
      '/api/v1/suppressions',
      { channel: 'email', address: 'paused@example.com', reason: 'bounce', expiresAt: new Date(Date.now() - 1000).toISOString() },
      TEST_CONTROL_KEY,
    );
    await eventWithStatus(mc, await post(orderEvent({ email: 'paused@example.com' })), 'sent');
  });

  it('when a suppression is invalid or asked for with a producer key, then it is refused', async () => {
    const bad = await mc.request('POST', '/api/v1/suppressions', { channel: 'sms', address: 'not-a-phone' }, TEST_CONTROL_KEY);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'address' })]);
    expect((await mc.request('GET', '/api/v1/suppressions')).status).toBe(403);
  });

  it('when an SMS event is processed, then the provider gets the text with the delivery id as idempotency key, and its id is kept', async () => {
    const id = await post({ type: 'OTP', channel: 'sms', mobilePhone: '+33612345678', ctx: { code: 4242 } });
    const event = await eventWithStatus(mc, id, 'sent');
    const [delivery] = event.deliveries;
    const request = sms.requests.find((candidate) => candidate.idempotencyKey === delivery.id);
    expect(request).toMatchObject({ to: '+33612345678', text: 'Code 4242' });
    expect(request?.headers['idempotency-key']).toBe(delivery.id);
    expect(delivery.providerMessageId).toBe(`sms-${delivery.id}`);
  });

  it('when the SMS provider answers 503 then 200, then the SMS is sent on the retry; a 400 fails it and suppresses the number', async () => {
    let calls = 0;
    sms.setPolicy((request) => (request.to === '+33600000001' && calls++ === 0 ? { status: 503 } : { status: 200, body: { messageId: 'm-1' } }));
    const retried = await eventWithStatus(mc, await post({ type: 'OTP', channel: 'sms', mobilePhone: '+33600000001', ctx: { code: 1 } }), 'sent');
    expect(retried.deliveries[0]).toMatchObject({ attempts: 2, providerMessageId: 'm-1' });

    sms.setPolicy(() => ({ status: 400, body: { error: 'invalid number' } }));
    const failed = await eventWithStatus(mc, await post({ type: 'OTP', channel: 'sms', mobilePhone: '+33600000002', ctx: { code: 2 } }), 'delivery_failed');
    expect(failed.deliveries[0].lastError).toMatch(/SMS provider answered 400/);
    const listed = await mc.request('GET', '/api/v1/suppressions?channel=sms&address=%2B33600000002', undefined, TEST_CONTROL_KEY);
    expect(listed.body.items).toHaveLength(1);
  });

  it('when the SMS provider answers 429 with Retry-After, then the next try waits that long, and the event shows its next attempt meanwhile', async () => {
    let throttled = 0;
    sms.setPolicy((request) =>
      request.to === '+33600000429' && throttled++ === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200, body: { id: `sms-${request.idempotencyKey}` } },
    );
    const id = await post({ type: 'OTP', channel: 'sms', mobilePhone: '+33600000429', ctx: { code: '4242' } });
    const waiting = await waitFor(async () => {
      const event = (await mc.request('GET', `/api/v1/events/${id}`)).body;
      return event.deliveries[0]?.nextAttemptAt ? event : undefined;
    });
    expect(waiting.deliveries[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringMatching(/429/) });
    await eventWithStatus(mc, id, 'sent');
    const tries = sms.requests.filter((request) => request.to === '+33600000429');
    expect(tries).toHaveLength(2);
    expect((tries[1]?.at ?? 0) - (tries[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('when a batch holds one bad recipient, then only that one fails and every other is sent', async () => {
    smtp.setPolicy((recipient) => (recipient === 'bad-apple@example.com' ? { code: 550, message: 'unknown' } : 'accept'));
    const events = Array.from({ length: 200 }, (_, index) => orderEvent({ email: index === 57 ? 'bad-apple@example.com' : `batch-${index}@example.com` }));
    const { body } = await mc.request('POST', '/api/v1/events/batch', { events });
    await waitFor(async () => {
      const { rows } = await mc.instance.db.pool.query('SELECT count(*)::int AS n FROM events WHERE id = ANY($1::uuid[]) AND status = ANY($2)', [body.ids, FINAL]);
      return rows[0].n === 200;
    });
    const { rows } = await mc.instance.db.pool.query('SELECT status, count(*)::int AS n FROM events WHERE id = ANY($1::uuid[]) GROUP BY status', [body.ids]);
    expect(Object.fromEntries(rows.map((row) => [row.status, row.n]))).toEqual({ sent: 199, delivery_failed: 1 });
  });

  it('when a job runs again for a delivered event, then nothing is sent twice', async () => {
    const id = await post(orderEvent({ email: 'once@example.com' }));
    await eventWithStatus(mc, id, 'sent');
    await mc.instance.queues.rt.add('again', { eventIds: [id] }, { jobId: `${id}-again` });
    await waitFor(async () => (await mc.instance.queues.rt.getJob(`${id}-again`))?.isCompleted());
    expect(received('once@example.com')).toHaveLength(1);
  });

  it('when updateEventStatus runs on several processes at once, then each final status is copied once and never backwards', async () => {
    const [sent, failed] = [await post(orderEvent({ email: 'sync@example.com' })), await post(orderEvent({ email: 'sync2@example.com' }))];
    await Promise.all([eventWithStatus(mc, sent, 'sent'), eventWithStatus(mc, failed, 'sent')]);
    await mc.instance.db.pool.query("UPDATE events SET status = 'delivery_failed' WHERE id = $1", [failed]);
    // Final delivery logs whose events already moved on: syncing must leave the events as they are
    // (the one move back, sent → delivery_failed after a bounce, is in bounces.test.ts).
    await mc.instance.db.pool.query("UPDATE delivery_logs SET status = 'ignored', synced_at = NULL WHERE event_id = $1", [sent]);
    await mc.instance.db.pool.query("UPDATE delivery_logs SET synced_at = NULL WHERE event_id = $1", [failed]);
    const results = await Promise.all([1, 2, 3].map(() => updateEventStatusBatch(mc.instance.db.pool, 100)));
    // Synced by these calls or by this instance's own updateEventStatus job, which runs meanwhile.
    const unsynced = await mc.instance.db.pool.query('SELECT count(*)::int AS n FROM delivery_logs WHERE event_id = ANY($1::uuid[]) AND synced_at IS NULL', [[sent, failed]]);
    expect(unsynced.rows[0].n).toBe(0);
    // Neither event moved: nothing counted as made final.
    expect(results.map((result) => result.moved)).toEqual([{}, {}, {}]);
    const { rows } = await mc.instance.db.pool.query('SELECT id, status FROM events WHERE id = ANY($1::uuid[])', [[sent, failed]]);
    expect(Object.fromEntries(rows.map((row) => [row.id, row.status]))).toEqual({ [sent]: 'sent', [failed]: 'delivery_failed' });
  });
});

describe('delivery without an SMS provider', () => {
  let mc: ExecutionHarness;
  beforeAll(async () => {
    mc = await startExecutionHarness({ UPDATE_EVENT_STATUS_EVERY_MS: '100' });
    await mc.request(
      'PUT',
      '/api/v1/templates/otp',
      templateVersion({ eventType: 'OTP', channel: 'sms', subject: '', html: '', text: 'Code {{ ctx.code }}' }),
      TEST_CONTROL_KEY,
    );
  });
  afterAll(() => mc.close());

  it('when SMS_PROVIDER_URL is not set, then SMS deliveries fail with a clear error and nothing is suppressed', async () => {
    const { body } = await mc.request('POST', '/api/v1/events', { type: 'OTP', channel: 'sms', mobilePhone: '+33611111111', ctx: { code: 3 } });
    const event = await eventWithStatus(mc, body.id, 'delivery_failed');
    expect(event.deliveries[0].lastError).toBe('SMS_PROVIDER_URL is not set: this instance cannot send SMS.');
    const listed = await mc.request('GET', '/api/v1/suppressions', undefined, TEST_CONTROL_KEY);
    expect(listed.body.items).toEqual([]);
  });
});
