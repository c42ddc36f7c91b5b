import { startSmsProvider, templateVersion, waitFor, TEST_CONTROL_KEY, type SmsProvider } from '@mc/testing';
import { eventWithStatus, startExecutionHarness, type ExecutionHarness } from '../testing';

const RECEIPT_TOKEN = 'sms-receipt-token-of-this-test';

describe('POST /api/v1/providers/sms/receipts (SMS delivery receipts)', () => {
  let sms: SmsProvider;
  let mc: ExecutionHarness;

  beforeAll(async () => {
    sms = await startSmsProvider();
    mc = await startExecutionHarness({ SMS_PROVIDER_URL: sms.url, SMS_RECEIPT_TOKEN: RECEIPT_TOKEN, UPDATE_EVENT_STATUS_EVERY_MS: '100' });
    await mc.request('PUT', '/api/v1/templates/otp', templateVersion({ eventType: 'OTP', channel: 'sms', subject: '', html: '', text: 'Code {{ ctx.code }}' }), TEST_CONTROL_KEY);
  });
  afterAll(async () => {
    await mc.close();
    await sms.close();
  });

  const sentSms = async (phone: string) => {
    const { body } = await mc.request('POST', '/api/v1/events', { type: 'OTP', channel: 'sms', mobilePhone: phone, ctx: { code: '123456' } });
    const event = await eventWithStatus(mc, body.id, 'sent');
    return { id: body.id as string, providerMessageId: event.deliveries[0].providerMessageId as string };
  };
  const receipt = (body: unknown, token: string | null = RECEIPT_TOKEN) => mc.request('POST', '/api/v1/providers/sms/receipts', body, token);

  it('when the provider reports delivered, then it is recorded on the delivery log and the event stays sent', async () => {
    const { id, providerMessageId } = await sentSms('+33612345001');
    expect((await receipt({ providerMessageId, status: 'delivered' })).status).toBe(202);
    const event = (await mc.request('GET', `/api/v1/events/${id}`)).body;
    expect(event).toMatchObject({ status: 'sent', deliveries: [{ status: 'sent', feedback: [{ kind: 'receipt', status: 'delivered', detail: null }] }] });
  });

  it('when the provider reports failed, then the event goes sent → delivery_failed with the reason', async () => {
    const { id, providerMessageId } = await sentSms('+33612345002');
    expect((await receipt({ providerMessageId, status: 'failed', error: 'absent subscriber' })).status).toBe(202);
    const event = await eventWithStatus(mc, id, 'delivery_failed');
    expect(event.statusReason).toBe('provider receipt: failed: absent subscriber');
    expect(event.deliveries[0]).toMatchObject({ status: 'failed', feedback: [{ kind: 'receipt', status: 'failed', detail: 'absent subscriber' }] });
  });

  it('when a receipt is unauthenticated, malformed or about no SMS of ours, then it is a 4xx and changes nothing', async () => {
    const { id, providerMessageId } = await sentSms('+33612345003');
    expect((await receipt({ providerMessageId, status: 'failed' }, null)).status).toBe(401);
    expect((await receipt({ providerMessageId, status: 'failed' }, 'a-wrong-token-of-some-length')).status).toBe(401);
    // The control credential is not the provider's token.
    expect((await receipt({ providerMessageId, status: 'failed' }, TEST_CONTROL_KEY)).status).toBe(401);
    const malformed = await receipt({ providerMessageId: '', status: 'lost', extra: 1 });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['', 'providerMessageId', 'status']);
    expect((await receipt({ providerMessageId: 'sms-unknown', status: 'failed' })).status).toBe(404);
    await waitFor(async () => (await mc.request('GET', `/api/v1/events/${id}`)).body.status === 'sent');
    expect((await mc.request('GET', `/api/v1/events/${id}`)).body.deliveries[0].feedback).toEqual([]);
  });
});
