import { orderEvent, templateVersion, waitFor, TEST_CONTROL_KEY } from '@mc/testing';
import { LINKED, eventWithStatus, linkingContext, startExecutionHarness, type ExecutionHarness } from '../testing';
import { TemplateRenderer } from '@mc/templates';
import { linkEvents } from '../src/workflows/event-linking';

describe('linking events to published templates (rtEventsProcessing, batchEventsProcessing)', () => {
  let mc: ExecutionHarness;
  beforeAll(async () => {
    mc = await startExecutionHarness();
    await mc.request('PUT', '/api/v1/templates/order-confirmation', templateVersion(), TEST_CONTROL_KEY);
    await mc.request(
      'PUT',
      '/api/v1/templates/otp',
      templateVersion({ eventType: 'OTP', channel: 'sms', subject: '', html: '', text: 'Your code is {{ ctx.code }}' }),
      TEST_CONTROL_KEY,
    );
  });
  afterAll(() => mc.close());

  it('when no template is published for the type and channel, then the event is not taken into account, with the reason', async () => {
    const posted = await mc.request('POST', '/api/v1/events', orderEvent({ type: 'UNKNOWN_TYPE' }));
    const event = await eventWithStatus(mc, posted.body.id, 'not_taken_into_account');
    expect(event.statusReason).toBe('no published template for event type "UNKNOWN_TYPE" on channel email');
    expect(event.deliveries).toEqual([]);
  });

  it('when a template exists for the type but on another channel, then the event is not taken into account', async () => {
    const posted = await mc.request('POST', '/api/v1/events', { type: 'OTP', email: 'ada@example.com' });
    await eventWithStatus(mc, posted.body.id, 'not_taken_into_account');
  });

  it('when an SMS event arrives, then its text is rendered for the mobile phone', async () => {
    const posted = await mc.request('POST', '/api/v1/events', { type: 'OTP', channel: 'sms', mobilePhone: '+33612345678', ctx: { code: 424242 } });
    const event = await eventWithStatus(mc, posted.body.id, LINKED);
    expect(event.deliveries[0]).toMatchObject({ channel: 'sms', recipient: '+33612345678' });
    const { rows } = await mc.instance.db.pool.query('SELECT text FROM delivery_logs WHERE event_id = $1', [posted.body.id]);
    expect(rows[0].text).toBe('Your code is 424242');
  });

  it('when an event is past its expiresAt when processed, then it is expired and never linked', async () => {
    const posted = await mc.request('POST', '/api/v1/events', orderEvent({ expiresAt: new Date(Date.now() - 1000).toISOString() }));
    const event = await eventWithStatus(mc, posted.body.id, 'expired');
    expect(event.statusReason).toMatch(/expired/);
    expect(event.deliveries).toEqual([]);
  });

  it('when an event is scheduled in the future, then it stays pending until then and is linked after', async () => {
    const scheduledAt = new Date(Date.now() + 1500);
    const posted = await mc.request('POST', '/api/v1/events', orderEvent({ scheduledAt: scheduledAt.toISOString() }));
    expect(posted.status).toBe(202);
    const job = await mc.instance.queues.rt.getJob(posted.body.id);
    expect(await job?.getState()).toBe('delayed');
    const early = await mc.request('GET', `/api/v1/events/${posted.body.id}`);
    expect(early.body.status).toBe('pending');
    const event = await eventWithStatus(mc, posted.body.id, LINKED);
    expect(new Date(event.linkedAt).getTime()).toBeGreaterThanOrEqual(scheduledAt.getTime());
  });

  it('when scheduled batch events arrive, then they too wait for their scheduledAt', async () => {
    const scheduledAt = new Date(Date.now() + 1500);
    const posted = await mc.request('POST', '/api/v1/events/batch', {
      events: [orderEvent({ scheduledAt: scheduledAt.toISOString() }), orderEvent({ scheduledAt: scheduledAt.toISOString() })],
    });
    const delayed = await mc.instance.queues.batch.getDelayedCount();
    expect(delayed).toBeGreaterThanOrEqual(1);
    for (const id of posted.body.ids as string[]) {
      const event = await eventWithStatus(mc, id, LINKED);
      expect(new Date(event.linkedAt).getTime()).toBeGreaterThanOrEqual(scheduledAt.getTime());
    }
  });

  it('when ctx holds HTML, then it is escaped in the HTML part and left as written in the text part', async () => {
    const posted = await mc.request('POST', '/api/v1/events', orderEvent({ ctx: { firstName: '<script>alert("x")</script>', orderId: 7 } }));
    await eventWithStatus(mc, posted.body.id, LINKED);
    const { rows } = await mc.instance.db.pool.query('SELECT subject, html, text FROM delivery_logs WHERE event_id = $1', [posted.body.id]);
    expect(rows[0].html).toBe('<p>Hello &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</p>');
    expect(rows[0].text).toBe('Hello <script>alert("x")</script>');
    expect(rows[0].subject).toBe('Order 7 confirmed');
  });

  it('when a template uses the event fields, then they are available to it', async () => {
    await mc.request(
      'PUT',
      '/api/v1/templates/welcome',
      templateVersion({ eventType: 'WELCOME', subject: 'Hi {{ event.email }}', html: '<p>{{ event.externalId }}</p>', text: '{{ event.type }}' }),
      TEST_CONTROL_KEY,
    );
    const posted = await mc.request('POST', '/api/v1/events', { type: 'WELCOME', email: 'grace@example.com', externalId: 'welcome-1' });
    await eventWithStatus(mc, posted.body.id, LINKED);
    const { rows } = await mc.instance.db.pool.query('SELECT subject, html, text FROM delivery_logs WHERE event_id = $1', [posted.body.id]);
    expect(rows[0]).toEqual({ subject: 'Hi grace@example.com', html: '<p>welcome-1</p>', text: 'WELCOME' });
  });

  it('when a linking job runs twice for one event, then the event is linked once with one delivery log', async () => {
    const posted = await mc.request('POST', '/api/v1/events', orderEvent());
    await eventWithStatus(mc, posted.body.id, LINKED);
    await mc.instance.queues.rt.add('again', { eventIds: [posted.body.id] }, { jobId: `${posted.body.id}-again` });
    await waitFor(async () => (await mc.instance.queues.rt.getJob(`${posted.body.id}-again`))?.isCompleted());
    const { rows } = await mc.instance.db.pool.query('SELECT count(*)::int AS n FROM delivery_logs WHERE event_id = $1', [posted.body.id]);
    expect(rows[0].n).toBe(1);
  });

  it('when a job carries data that does not parse, then it fails at once without retries', async () => {
    const job = await mc.instance.queues.rt.add('bad', { eventIds: ['not-a-uuid'] }, { jobId: 'bad-data' });
    await waitFor(async () => (await mc.instance.queues.rt.getJob('bad-data'))?.isFailed());
    const failed = await mc.instance.queues.rt.getJob(job.id as string);
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toMatch(/Invalid rtEventsProcessing job data: eventIds.0 must be a UUID/);
  });
});

describe('the render time limit', () => {
  let mc: ExecutionHarness;
  beforeAll(async () => {
    // The API alone: events are stored and wait for the linking the test runs itself.
    mc = await startExecutionHarness({ MC_ROLE: 'api' });
    await mc.request('PUT', '/api/v1/templates/order-confirmation', templateVersion(), TEST_CONTROL_KEY);
    await mc.request(
      'PUT',
      '/api/v1/templates/runaway',
      templateVersion({ eventType: 'RUNAWAY', text: '{% for i in (1..100000000) %}{{ i }}{% endfor %}' }),
      TEST_CONTROL_KEY,
    );
  });
  afterAll(() => mc.close());

  // The cause of a flaky reconciliation test: renders of a chunk ran interleaved, and liquidjs
  // counts its limit in wall-clock time from a render's start, so each render was charged for all
  // of them and a loaded machine refused good events as "template render limit exceeded".
  it('when a chunk of 3,000 events is linked at once, then each render is charged for its own work only and every event is linked', async () => {
    const batch = await mc.request('POST', '/api/v1/events/batch', { events: Array.from({ length: 3000 }, () => orderEvent()) });
    expect(batch.status).toBe(202);
    // A limit far below the time the whole chunk takes to render, far above one render's.
    const renderer = new TemplateRenderer({ renderLimitMs: 150 });
    const outcome = await linkEvents(linkingContext(mc, { renderer }), batch.body.ids);
    expect(outcome.notTakenIntoAccount).toEqual([]);
    expect(outcome.linked).toHaveLength(3000);
  });

  it('when a template runs away, then its render is cut off and the event is not taken into account, with the reason', async () => {
    const posted = await mc.request('POST', '/api/v1/events', orderEvent({ type: 'RUNAWAY' }));
    const renderer = new TemplateRenderer({ renderLimitMs: 150 });
    const outcome = await linkEvents(linkingContext(mc, { renderer }), [posted.body.id]);
    expect(outcome.notTakenIntoAccount).toEqual([posted.body.id]);
    const { rows } = await mc.instance.db.pool.query('SELECT status_reason FROM events WHERE id = $1', [posted.body.id]);
    expect(rows[0].status_reason).toMatch(/^template "runaway" v1 failed to render: .*limit exceeded/);
  });
});
