import { basicAuthorization, orderEvent, templateVersion, waitFor, TEST_CONTROL_KEY } from '@mc/testing';
import { startExecutionHarness, type ExecutionHarness } from '../testing';

const ADMIN = { MC_ADMIN_USER: 'ops', MC_ADMIN_PASSWORD: 'correct-horse-battery' };

describe('/admin (Bull Board and the development outbox)', () => {
  let mc: ExecutionHarness;
  let closed: ExecutionHarness;
  beforeAll(async () => {
    [mc, closed] = await Promise.all([startExecutionHarness({ ...ADMIN, UPDATE_EVENT_STATUS_EVERY_MS: '100' }), startExecutionHarness({ MC_ROLE: 'api' })]);
    await mc.request('PUT', '/api/v1/templates/order-confirmation', templateVersion(), TEST_CONTROL_KEY);
  });
  afterAll(async () => {
    await Promise.all([mc.close(), closed.close()]);
  });

  it('when no admin credentials are configured, then /admin is not there at all', async () => {
    expect((await fetch(`${closed.baseUrl}/admin/queues`)).status).toBe(404);
  });

  it('when configured, then the dashboard asks for basic auth and shows every workflow queue', async () => {
    const anonymous = await fetch(`${mc.baseUrl}/admin/queues/api/queues`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await anonymous.json()).toMatchObject({ status: 401, code: 'unauthorized' });
    expect((await fetch(`${mc.baseUrl}/admin/queues/api/queues`, { headers: { authorization: basicAuthorization('ops', 'wrong-password') } })).status).toBe(401);
    const answer = await fetch(`${mc.baseUrl}/admin/queues/api/queues`, { headers: { authorization: basicAuthorization('ops', 'correct-horse-battery') } });
    expect(answer.status).toBe(200);
    const { queues } = (await answer.json()) as { queues: Array<{ name: string }> };
    expect(queues.map((queue) => queue.name).sort()).toEqual(
      ['batchEventsProcessing', 'pendingEventsReconciliation', 'purgeArchivedEvents', 'rtEventsProcessing', 'updateEventStatus', 'webhookDelivery', 'webhookFanout'].sort(),
    );
  });

  it('when a change comes from another origin, as a form or as text/plain, then it is refused (403) and nothing changes', async () => {
    const auth = basicAuthorization('ops', 'correct-horse-battery');
    const pause = (headers: Record<string, string>, body?: string) =>
      fetch(`${mc.baseUrl}/admin/queues/api/queues/rtEventsProcessing/pause`, { method: 'PUT', headers: { authorization: auth, ...headers }, body });
    const host = new URL(mc.baseUrl).host;
    for (const [headers, body] of [
      [{ 'content-type': 'text/plain' }, 'x'],
      [{ origin: 'https://evil.example', 'content-type': 'application/json' }, '{}'],
      [{ 'sec-fetch-site': 'cross-site', origin: `http://${host}` }, undefined],
      [{ origin: `http://${host}`, 'content-type': 'application/x-www-form-urlencoded' }, 'a=b'],
      [{}, undefined],
    ] as Array<[Record<string, string>, string | undefined]>) {
      const answer = await pause(headers, body);
      expect([headers, answer.status]).toEqual([headers, 403]);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect(await mc.instance.queues.rt.isPaused()).toBe(false);

    // The dashboard's own request (same origin, no body) works.
    expect((await pause({ 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect(await mc.instance.queues.rt.isPaused()).toBe(true);
    const resume = await fetch(`${mc.baseUrl}/admin/queues/api/queues/rtEventsProcessing/resume`, { method: 'PUT', headers: { authorization: auth, origin: `http://${host}` } });
    expect(resume.status).toBe(200);
    expect(await mc.instance.queues.rt.isPaused()).toBe(false);
  });

  it("when a query string would crash Bull Board's own handlers, then it is a 400 problem; its own errors are problems too", async () => {
    const auth = { authorization: basicAuthorization('ops', 'correct-horse-battery') };
    for (const query of ['status=%00', 'activeQueue=%7B%25%20include%20%25%7D', 'activeQueue=%E0%A4%A']) {
      const answer = await fetch(`${mc.baseUrl}/admin/queues/api/queues?${query}`, { headers: auth });
      expect([query, answer.status, answer.headers.get('content-type')]).toEqual([query, 400, expect.stringMatching(/^application\/problem\+json/)]);
    }
    const unknownStatus = await fetch(`${mc.baseUrl}/admin/queues/api/queues?activeQueue=rtEventsProcessing&status=bogus`, { headers: auth });
    expect(unknownStatus.status).toBe(400);
    expect(unknownStatus.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const noMessage = await fetch(`${mc.baseUrl}/admin/outbox/999999`, { headers: auth });
    expect(noMessage.status).toBe(404);
    expect(noMessage.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('when MC_ADMIN_READ_ONLY is set, then the dashboard shows and changes nothing', async () => {
    const readOnly = await startExecutionHarness({ ...ADMIN, MC_ROLE: 'api', MC_ADMIN_READ_ONLY: 'true' });
    try {
      const auth = basicAuthorization('ops', 'correct-horse-battery');
      expect((await fetch(`${readOnly.baseUrl}/admin/queues/api/queues`, { headers: { authorization: auth } })).status).toBe(200);
      const pause = await fetch(`${readOnly.baseUrl}/admin/queues/api/queues/rtEventsProcessing/pause`, {
        method: 'PUT',
        headers: { authorization: auth, 'sec-fetch-site': 'same-origin' },
      });
      expect(pause.status).toBe(403);
      expect(await pause.json()).toMatchObject({ detail: expect.stringMatching(/read-only/) });
      expect(await readOnly.instance.queues.rt.isPaused()).toBe(false);
    } finally {
      await readOnly.close();
    }
  });

  it('when mail is sent without SMTP_URL, then the outbox lists it behind the same auth', async () => {
    const { body } = await mc.request('POST', '/api/v1/events', orderEvent({ email: 'outbox@example.com' }));
    await waitFor(async () => (await mc.request('GET', `/api/v1/events/${body.id}`)).body.status === 'sent');
    expect((await fetch(`${mc.baseUrl}/admin/outbox`)).status).toBe(401);
    const outbox = (await (await fetch(`${mc.baseUrl}/admin/outbox`, { headers: { authorization: basicAuthorization('ops', 'correct-horse-battery') } })).json()) as {
      items: Array<{ to: string[]; subject: string; index: number }>;
    };
    const mail = outbox.items.find((item) => item.to.includes('outbox@example.com'));
    expect(mail?.subject).toMatch(/^Order \d+ confirmed$/);
    const raw = await fetch(`${mc.baseUrl}/admin/outbox/${mail?.index}`, { headers: { authorization: basicAuthorization('ops', 'correct-horse-battery') } });
    expect(await raw.text()).toMatch(/X-Message-Center-Event: /);
  });

  it('when /metrics is scraped, then queue depths, events by status, latencies and the status-sync lag are there', async () => {
    const { body } = await mc.request('POST', '/api/v1/events', orderEvent());
    await waitFor(async () => (await mc.request('GET', `/api/v1/events/${body.id}`)).body.status === 'sent');
    const text = await (await fetch(`${mc.baseUrl}/metrics`)).text();
    // Label order is prom-client's business: match each label wherever it stands.
    const sample = (name: string, labels: string[], value = '[1-9][\\d.]*') =>
      new RegExp(`^${name}\\{${labels.map((label) => `(?=[^}]*${label})`).join('')}[^}]*\\} ${value}$`, 'm');
    expect(text).toMatch(sample('mc_queue_jobs', ['queue="rtEventsProcessing"', 'state="waiting"'], '\\d+'));
    expect(text).toMatch(sample('mc_events_final_total', ['status="sent"', 'mc_instance="local"']));
    expect(text).toMatch(sample('mc_events_backlog', ['status="pending"', 'mc_instance="local"'], '\\d+'));
    expect(text).toMatch(sample('mc_events_accepted_total', ['kind="rt"']));
    expect(text).toMatch(sample('mc_event_received_to_linked_seconds_count', ['mc_instance="local"']));
    expect(text).toMatch(sample('mc_event_received_to_sent_seconds_count', ['channel="email"']));
    expect(text).toMatch(sample('mc_deliveries_total', ['channel="email"', 'outcome="sent"']));
    expect(text).toMatch(sample('mc_update_event_status_lag_seconds', ['mc_instance="local"'], '[\\d.]+'));
  });
});
