import { startSmtpSink, type SmtpSink } from '@mc/smtp-sink';
import { orderEvent, templateVersion, TEST_CONTROL_KEY, TEST_PRODUCER_KEY } from '@mc/testing';
import { eventWithStatus, startExecutionHarness, type ExecutionHarness } from '../testing';

describe('replay of failed deliveries (POST /api/v1/events/:id/retry, POST /api/v1/deliveries/retry)', () => {
  let smtp: SmtpSink;
  let mc: ExecutionHarness;
  /** Addresses the relay refuses: permanently (550, suppressed) or for now (451, which fails after the one attempt allowed). */
  const refused = new Map<string, 550 | 451>();

  beforeAll(async () => {
    smtp = await startSmtpSink();
    smtp.setPolicy((recipient) => {
      const code = refused.get(recipient);
      return code ? { code, message: code === 550 ? '5.1.1 no such user' : '4.2.1 mailbox busy' } : 'accept';
    });
    mc = await startExecutionHarness({ SMTP_URL: smtp.url, DELIVERY_MAX_ATTEMPTS: '1', UPDATE_EVENT_STATUS_EVERY_MS: '100' });
    await mc.request('PUT', '/api/v1/templates/order-confirmation', templateVersion(), TEST_CONTROL_KEY);
  });
  afterAll(async () => {
    await mc.close();
    await smtp.close();
  });

  const failedEvent = async (email: string, code: 550 | 451) => {
    refused.set(email, code);
    const id = (await mc.request('POST', '/api/v1/events', orderEvent({ email }))).body.id as string;
    await eventWithStatus(mc, id, 'delivery_failed');
    refused.delete(email);
    return id;
  };
  const retry = (id: string, key: string | null = TEST_CONTROL_KEY) => mc.request('POST', `/api/v1/events/${id}/retry`, undefined, key);

  it('when an event failed on a suppressed address, then its retry is refused saying so; once the suppression is removed, the same delivery is sent with the same Message-ID', async () => {
    const id = await failedEvent('bounced@example.com', 550);
    const refusal = await retry(id);
    expect(refusal.status).toBe(409);
    expect(refusal.body.detail).toMatch(/suppressed \(SMTP .*550 5\.1\.1 no such user\); remove the suppression/);

    expect((await mc.request('DELETE', '/api/v1/suppressions/email/bounced@example.com', undefined, TEST_CONTROL_KEY)).status).toBe(204);
    const accepted = await retry(id);
    expect(accepted).toMatchObject({ status: 202, body: { id, status: 'pending_delivery' } });
    const event = await eventWithStatus(mc, id, 'sent');
    const [delivery] = event.deliveries;
    expect(delivery).toMatchObject({ status: 'sent', attempts: 2, feedback: [{ kind: 'retry', detail: 'retried by bootstrap-control' }] });
    const sent = smtp.messages.filter((message) => message.to.includes('bounced@example.com'));
    expect(sent.map((message) => message.messageId)).toEqual([delivery.providerMessageId]);
  });

  it('when failed deliveries are retried by filter, then the counts say what was retried and what is suppressed, and the retried ones are sent', async () => {
    const busy = [await failedEvent('busy1@example.com', 451), await failedEvent('busy2@example.com', 451)];
    const gone = await failedEvent('gone@example.com', 550);
    // The reason filter picks the two 451s; without it the suppressed one is counted, not retried.
    expect((await mc.request('POST', '/api/v1/deliveries/retry', { reason: '4.2.1', type: 'ORDER_CONFIRMATION' }, TEST_CONTROL_KEY)).body).toEqual({ retried: 2, suppressed: 0, more: false });
    for (const id of busy) await eventWithStatus(mc, id, 'sent');
    expect((await mc.request('POST', '/api/v1/deliveries/retry', {}, TEST_CONTROL_KEY)).body).toEqual({ retried: 0, suppressed: 1, more: false });
    expect((await mc.request('GET', `/api/v1/events/${gone}`)).body.status).toBe('delivery_failed');
  });

  it('when a retry is asked for what cannot be retried, or by a producer, then it is a 4xx', async () => {
    const sent = (await mc.request('POST', '/api/v1/events', orderEvent({ email: 'fine@example.com' }))).body.id as string;
    await eventWithStatus(mc, sent, 'sent');
    expect((await retry(sent)).status).toBe(409);
    expect((await retry('not-an-id')).status).toBe(404);
    expect((await retry(sent, TEST_PRODUCER_KEY)).status).toBe(403);
    const invalid = await mc.request('POST', '/api/v1/deliveries/retry', { status: 'sent', since: 'yesterday', limit: 0, extra: true }, TEST_CONTROL_KEY);
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['', 'limit', 'since', 'status']);
  });
});
