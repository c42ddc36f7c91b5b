import { Webhook } from 'standardwebhooks';
import { webhookAttemptViewSchema, webhookEndpointCreatedSchema, webhookEndpointViewSchema, webhookMessageSchema } from '@mc/contract';
import { startSmtpSink, type SmtpSink } from '@mc/smtp-sink';
import { orderEvent, startWebhookReceiver, templateVersion, waitFor, TEST_CONTROL_KEY, type ReceivedWebhook, type WebhookReceiver } from '@mc/testing';
import { verifyWebhook } from '@message-center/client';
import { createApiKey } from '../src/api-keys/api-keys';
import { recordDeliveryFeedback } from '../src/sql/record-delivery-feedback';
import { eventWithStatus, startExecutionHarness, type ExecutionHarness } from '../testing';

/** Status webhooks, checked with the Standard Webhooks reference library. */
describe('status webhooks', () => {
  let smtp: SmtpSink;
  let receiver: WebhookReceiver;
  let mc: ExecutionHarness;
  let billing: string;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    receiver = await startWebhookReceiver((request, seen) => {
      if (request.path.startsWith('/flaky')) return { status: seen <= 2 ? 500 : 200, body: seen <= 2 ? 'try later' : 'ok' };
      if (request.path.startsWith('/down')) return { status: 503, body: 'down for maintenance' };
      if (request.path.startsWith('/slow')) return 'hang';
      return { status: 204 };
    });
    mc = await startExecutionHarness({
      SMTP_URL: smtp.url,
      UPDATE_EVENT_STATUS_EVERY_MS: '100',
      WEBHOOK_FANOUT_EVERY_MS: '100',
      WEBHOOK_RETRY_SCHEDULE_MS: '100,200,400',
      WEBHOOK_DISABLE_AFTER_MS: '1500',
      WEBHOOK_TIMEOUT_MS: '30000',
      WEBHOOK_CONCURRENCY: '4',
    });
    await mc.request('PUT', '/api/v1/templates/order-confirmation', templateVersion(), TEST_CONTROL_KEY);
    billing = (await createApiKey(mc.instance.db.prisma, { name: 'billing', scopes: ['events:write', 'events:read'], producer: 'billing' })).key;
  });
  afterAll(async () => {
    // The receiver first: its held requests end, so the workers can stop at once.
    await receiver.close();
    await mc.close();
    await smtp.close();
  });

  const register = async (path: string, events?: string[], key?: string) => {
    const created = await mc.request('POST', '/api/v1/webhooks', { url: `${receiver.baseUrl}${path}`, ...(events ? { events } : {}) }, key);
    expect(created.status).toBe(201);
    return webhookEndpointCreatedSchema.parse(created.body);
  };
  const messagesOn = (path: string, type?: string) => receiver.on(path).filter((request) => !type || JSON.parse(request.body).type === type);
  const messageOn = (path: string, type: string, eventId?: string) =>
    waitFor(() => messagesOn(path, type).find((request) => !eventId || JSON.parse(request.body).data.id === eventId));
  /** Verified with the reference library (as a producer would) and with our client; both must accept it. */
  const verified = (request: ReceivedWebhook, secret: string) => {
    const headers = { 'webhook-id': String(request.headers['webhook-id']), 'webhook-timestamp': String(request.headers['webhook-timestamp']), 'webhook-signature': String(request.headers['webhook-signature']) };
    const payload = new Webhook(secret).verify(request.body, headers);
    expect(verifyWebhook(request.body, request.headers, secret)).toEqual(payload);
    return webhookMessageSchema.parse(payload);
  };

  it('when an endpoint is registered, then its secret is shown once; bad input is a 400 naming each field; other producers cannot see it', async () => {
    const endpoint = await register('/registered');
    expect(endpoint).toMatchObject({ events: [], enabled: true, failingSince: null, secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/) });
    const listed = await mc.request('GET', '/api/v1/webhooks');
    expect(listed.body.items.find((item: { id: string }) => item.id === endpoint.id)).toEqual(webhookEndpointViewSchema.parse(listed.body.items.find((item: { id: string }) => item.id === endpoint.id)));
    expect(listed.body.items.every((item: object) => !('secret' in item))).toBe(true);

    const bad = await mc.request('POST', '/api/v1/webhooks', { url: 'ftp://user:pw@example.com', events: ['event.sent', 'event.nope'], extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['', 'events.1', 'url']);

    expect((await mc.request('GET', `/api/v1/webhooks/${endpoint.id}`, undefined, billing)).status).toBe(404);
    expect((await mc.request('DELETE', `/api/v1/webhooks/${endpoint.id}`, undefined, billing)).status).toBe(404);
    expect((await mc.request('GET', '/api/v1/webhooks', undefined, billing)).body.items).toEqual([]);
    expect((await mc.request('GET', '/api/v1/webhooks/not-a-uuid')).status).toBe(400);
    expect((await mc.request('DELETE', `/api/v1/webhooks/${endpoint.id}`)).status).toBe(204);
    expect((await mc.request('GET', `/api/v1/webhooks/${endpoint.id}`)).status).toBe(404);
  });

  it('when an event is sent, then a signed event.sent reaches the endpoint, verified by the standardwebhooks library; a filtered endpoint gets only its types', async () => {
    const all = await register('/all');
    await register('/failures-only', ['event.delivery_failed']);
    const pushed = await mc.request('POST', '/api/v1/events', orderEvent({ externalId: 'wh-order-1' }));
    const request = await messageOn('/all', 'event.sent', pushed.body.id);
    const message = verified(request, all.secret);
    expect(message).toMatchObject({
      type: 'event.sent',
      data: { id: pushed.body.id, externalId: 'wh-order-1', eventType: 'ORDER_CONFIRMATION', channel: 'email', status: 'sent', template: { name: 'order-confirmation', version: 1 }, complaint: null },
    });
    expect(request.headers['webhook-id']).toMatch(/^msg_[0-9a-f-]{36}$/);
    expect(request.headers['content-type']).toBe('application/json');
    expect(() => new Webhook(all.secret).verify(request.body.replace('wh-order-1', 'wh-order-2'), request.headers as Record<string, string>)).toThrow();

    // A not-taken-into-account event (no template for its type) is told too; the filtered endpoint saw neither.
    const orphan = await mc.request('POST', '/api/v1/events', orderEvent({ type: 'NO_SUCH_TEMPLATE' }));
    expect(verified(await messageOn('/all', 'event.not_taken_into_account', orphan.body.id), all.secret).data.status).toBe('not_taken_into_account');
    expect(receiver.on('/failures-only')).toEqual([]);
    // Each status once per endpoint.
    expect(messagesOn('/all', 'event.sent').filter((seen) => JSON.parse(seen.body).data.id === pushed.body.id)).toHaveLength(1);
  });

  it('when a bounce or a complaint comes after sent, then event.delivery_failed or event.complained follows event.sent', async () => {
    const endpoint = await register('/later');
    const bounced = await mc.request('POST', '/api/v1/events', orderEvent());
    const complained = await mc.request('POST', '/api/v1/events', orderEvent());
    const sentOne = await eventWithStatus(mc, bounced.body.id, 'sent');
    const sentTwo = await eventWithStatus(mc, complained.body.id, 'sent');
    await messageOn('/later', 'event.sent', bounced.body.id);
    await messageOn('/later', 'event.sent', complained.body.id);

    await recordDeliveryFeedback(mc.instance.db.pool, {
      feedback: { deliveryLogId: sentOne.deliveries[0].id, kind: 'bounce', status: '5.1.1', detail: 'user unknown', failWith: 'bounced: 5.1.1 user unknown' },
    });
    await recordDeliveryFeedback(mc.instance.db.pool, { feedback: { deliveryLogId: sentTwo.deliveries[0].id, kind: 'complaint', status: 'abuse', detail: 'marked as spam' } });

    const failure = verified(await messageOn('/later', 'event.delivery_failed', bounced.body.id), endpoint.secret);
    expect(failure.data).toMatchObject({ status: 'delivery_failed', reason: expect.stringMatching(/5\.1\.1/) });
    const complaint = verified(await messageOn('/later', 'event.complained', complained.body.id), endpoint.secret);
    expect(complaint.data).toMatchObject({ status: 'sent', complaint: { type: 'abuse', detail: 'marked as spam', receivedAt: expect.any(String) } });
  });

  it('when the endpoint fails, then the message is retried with the same webhook-id and body until it is taken, and the attempts are readable', async () => {
    const endpoint = await register('/flaky');
    const pushed = await mc.request('POST', '/api/v1/events', orderEvent());
    await waitFor(() => messagesOn('/flaky', 'event.sent').length >= 3 || undefined);
    const tries = messagesOn('/flaky', 'event.sent');
    expect(new Set(tries.map((request) => request.headers['webhook-id'])).size).toBe(1);
    expect(new Set(tries.map((request) => request.body)).size).toBe(1);
    for (const request of tries) expect(verified(request, endpoint.secret).data.id).toBe(pushed.body.id);

    const attempts = await waitFor(async () => {
      const answer = await mc.request('GET', `/api/v1/webhooks/${endpoint.id}/attempts?eventId=${pushed.body.id}`);
      return answer.body.items.length === 3 ? answer.body.items.map((item: unknown) => webhookAttemptViewSchema.parse(item)) : undefined;
    });
    expect(attempts.map((attempt: { attempt: number; succeeded: boolean; responseStatus: number }) => [attempt.attempt, attempt.succeeded, attempt.responseStatus])).toEqual([
      [3, true, 200],
      [2, false, 500],
      [1, false, 500],
    ]);
    expect(attempts[1]).toMatchObject({ responseBody: 'try later', error: 'HTTP 500', messageState: 'delivered', nextAttemptAt: null });
    expect((await mc.request('GET', `/api/v1/webhooks/${endpoint.id}`)).body.failingSince).toBeNull();
  });

  it('when every attempt fails past WEBHOOK_DISABLE_AFTER_MS, then the endpoint is disabled; PATCH enabled:true re-enables it', async () => {
    const endpoint = await register('/down');
    await mc.request('POST', '/api/v1/events', orderEvent());
    const disabled = await waitFor(async () => {
      const answer = await mc.request('GET', `/api/v1/webhooks/${endpoint.id}`);
      return answer.body.enabled ? undefined : answer.body;
    });
    expect(disabled).toMatchObject({ enabled: false, failingSince: expect.any(String), disabledAt: expect.any(String), disabledReason: expect.stringMatching(/every attempt failed since .*HTTP 503/) });
    const triesWhenDisabled = receiver.on('/down').length;
    // Disabled: nothing new is created for it.
    const later = await mc.request('POST', '/api/v1/events', orderEvent());
    await eventWithStatus(mc, later.body.id, 'sent');
    await messageOn('/all', 'event.sent', later.body.id);
    expect(receiver.on('/down').length).toBe(triesWhenDisabled);

    const enabled = await mc.request('PATCH', `/api/v1/webhooks/${endpoint.id}`, { enabled: true });
    expect(enabled.body).toMatchObject({ enabled: true, failingSince: null, disabledAt: null, disabledReason: null });
    expect((await mc.request('PATCH', `/api/v1/webhooks/${endpoint.id}`, {})).status).toBe(400);
    expect((await mc.request('DELETE', `/api/v1/webhooks/${endpoint.id}`)).status).toBe(204);
  });

  it('when the secret is rotated, then messages are signed with the new and the previous secret; a test message reaches the endpoint', async () => {
    const endpoint = await register('/rotated');
    const rotated = await mc.request('POST', `/api/v1/webhooks/${endpoint.id}/rotate-secret`);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    const test = await mc.request('POST', `/api/v1/webhooks/${endpoint.id}/test`);
    expect(test.status).toBe(202);
    const request = await waitFor(() => receiver.on('/rotated').find((seen) => seen.headers['webhook-id'] === test.body.messageId));
    expect(String(request.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verified(request, rotated.body.secret).type).toBe('webhook.test');
    expect(verified(request, endpoint.secret).type).toBe('webhook.test');
    expect(() => new Webhook('whsec_' + Buffer.alloc(32, 1).toString('base64')).verify(request.body, request.headers as Record<string, string>)).toThrow();
  });

  it('when a message lost its job (Redis restarted empty), then the fan-out queues it again', async () => {
    const endpoint = await register('/recovered');
    const { rows } = await mc.instance.db.pool.query(
      `INSERT INTO webhook_messages (id, endpoint_id, type, payload, next_attempt_at)
       VALUES (gen_random_uuid(), $1, 'webhook.test', $2, now() - interval '2 minutes') RETURNING id`,
      [endpoint.id, JSON.stringify({ type: 'webhook.test', timestamp: new Date().toISOString(), data: { id: null, externalId: null, eventType: null, channel: null, status: null, reason: null, template: null, updatedAt: null, complaint: null } })],
    );
    const request = await waitFor(() => receiver.on('/recovered').find((seen) => seen.headers['webhook-id'] === `msg_${rows[0].id}`));
    expect(verified(request, endpoint.secret).type).toBe('webhook.test');
  });

  it('when an endpoint hangs, then events are still delivered and sent while its requests are held', async () => {
    await register('/slow');
    const pushed = await Promise.all(Array.from({ length: 10 }, () => mc.request('POST', '/api/v1/events', orderEvent())));
    await waitFor(() => (receiver.hanging() >= 1 ? true : undefined));
    for (const answer of pushed) await eventWithStatus(mc, answer.body.id, 'sent');
    // All ten sent while the endpoint still holds its requests unanswered.
    expect(receiver.hanging()).toBeGreaterThanOrEqual(1);
    expect(messagesOn('/slow').length).toBeLessThanOrEqual(4);
  });
});

describe('status webhooks to private addresses (WEBHOOK_ALLOW_PRIVATE_ADDRESSES=false, as in production)', () => {
  let receiver: WebhookReceiver;
  let mc: ExecutionHarness;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    mc = await startExecutionHarness({ MC_ROLE: 'all', WEBHOOK_FANOUT_EVERY_MS: '100', WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'false', WEBHOOK_RETRY_SCHEDULE_MS: '60000' });
  });
  afterAll(async () => {
    await receiver.close();
    await mc.close();
  });

  it.each([
    ['an IP literal', (port: string) => `http://127.0.0.1:${port}/hook`],
    ['a name that resolves to loopback', (port: string) => `http://localhost:${port}/hook`],
    ['IPv4 mapped in IPv6', (port: string) => `http://[::ffff:127.0.0.1]:${port}/hook`],
  ])('when the URL is %s, then the connection is refused and the attempt says why', async (_label, urlOf) => {
    const port = new URL(receiver.baseUrl).port;
    const created = await mc.request('POST', '/api/v1/webhooks', { url: urlOf(port) });
    expect(created.status).toBe(201);
    await mc.request('POST', `/api/v1/webhooks/${created.body.id}/test`);
    const attempts = await waitFor(async () => {
      const answer = await mc.request('GET', `/api/v1/webhooks/${created.body.id}/attempts`);
      return answer.body.items.length > 0 ? answer.body.items : undefined;
    });
    expect(attempts[0]).toMatchObject({ succeeded: false, responseStatus: null, error: expect.stringMatching(/^refused: .*private address/) });
    expect(receiver.received).toEqual([]);
  });
});
