import { startSmtpSink, type SmtpSink } from '@mc/smtp-sink';
import { orderEvent, templateVersion, TEST_CONTROL_KEY } from '@mc/testing';
import { eventWithStatus, startExecutionHarness, type ExecutionHarness } from '../testing';

const TOKEN = 'email-provider-feedback-token-0123456789';

/** Bounces and complaints an email provider reports over HTTP, with the effect of those received by mail. */
describe('POST /api/v1/providers/email/feedback', () => {
  let smtp: SmtpSink;
  let mc: ExecutionHarness;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    mc = await startExecutionHarness({ SMTP_URL: smtp.url, UPDATE_EVENT_STATUS_EVERY_MS: '100', EMAIL_FEEDBACK_TOKEN: TOKEN });
    await mc.request('PUT', '/api/v1/templates/order-confirmation', templateVersion(), TEST_CONTROL_KEY);
  });
  afterAll(async () => {
    await mc.close();
    await smtp.close();
  });

  const sentEvent = async (email: string) => {
    const { body } = await mc.request('POST', '/api/v1/events', orderEvent({ email }));
    return eventWithStatus(mc, body.id, 'sent');
  };
  const report = (body: unknown, token: string | null = TOKEN) => mc.request('POST', '/api/v1/providers/email/feedback', body, token);
  const suppressed = async (address: string) => (await mc.request('GET', `/api/v1/suppressions?channel=email&address=${encodeURIComponent(address)}`, undefined, TEST_CONTROL_KEY)).body.items;

  it('when a hard bounce is reported, then the sent event becomes delivery_failed and the address is suppressed', async () => {
    const event = await sentEvent('gone-http@example.com');
    const messageId = event.deliveries[0].providerMessageId as string;
    const answer = await report({ messageId: messageId.slice(1, -1), kind: 'bounce', status: '5.1.1', detail: 'mailbox unknown' });
    expect(answer).toMatchObject({ status: 202, body: { deliveryLogId: event.deliveries[0].id, outcome: 'bounce' } });
    const failed = await eventWithStatus(mc, event.id, 'delivery_failed');
    expect(failed.statusReason).toMatch(/5\.1\.1 mailbox unknown/);
    expect(failed.deliveries[0].feedback).toEqual([expect.objectContaining({ kind: 'bounce', status: '5.1.1', detail: 'mailbox unknown' })]);
    expect(await suppressed('gone-http@example.com')).toEqual([expect.objectContaining({ reason: expect.stringMatching(/^bounce: 5\.1\.1/) })]);
  });

  it('when a soft bounce or a complaint is reported, then the event stays sent; a complaint suppresses the address', async () => {
    const delayed = await sentEvent('full-http@example.com');
    expect((await report({ messageId: delayed.deliveries[0].providerMessageId, kind: 'bounce', permanent: false, status: '4.2.2' })).body.outcome).toBe('delay');
    const complained = await sentEvent('spam-http@example.com');
    expect((await report({ messageId: complained.deliveries[0].providerMessageId, kind: 'complaint' })).body.outcome).toBe('complaint');
    for (const id of [delayed.id, complained.id]) expect((await mc.request('GET', `/api/v1/events/${id}`)).body.status).toBe('sent');
    expect(await suppressed('full-http@example.com')).toEqual([]);
    expect(await suppressed('spam-http@example.com')).toEqual([expect.objectContaining({ reason: 'complaint: abuse' })]);
  });

  it('when the report is unknown, invalid or not the provider’s, then 404, 400 or 401', async () => {
    expect((await report({ messageId: '<0190f5a2-7b3c-7d4e-8f90-123456789abc@shop.example>', kind: 'bounce' })).status).toBe(404);
    expect((await report({ messageId: '<not-ours@elsewhere.example>', kind: 'complaint' })).status).toBe(404);
    const invalid = await report({ messageId: 'x', kind: 'bounced', status: '9.9' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['kind', 'messageId', 'status']);
    expect((await report({ messageId: '<a@b>', kind: 'bounce' }, 'not-the-token-000000000000')).status).toBe(401);
  });
});
