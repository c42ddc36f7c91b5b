import { simpleParser } from 'mailparser';
import { startSmtpSink, type SmtpSink } from '@mc/smtp-sink';
import { orderEvent, templateVersion, TEST_CONTROL_KEY } from '@mc/testing';
import { eventWithStatus, startExecutionHarness, type ExecutionHarness } from '../testing';

describe('headers a template sets: From, Reply-To, List-Unsubscribe', () => {
  let smtp: SmtpSink;
  let mc: ExecutionHarness;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    mc = await startExecutionHarness({ SMTP_URL: smtp.url, MC_EMAIL_FROM: 'Shop <no-reply@shop.example>', MC_EMAIL_REPLY_TO: 'help@shop.example', UPDATE_EVENT_STATUS_EVERY_MS: '100' });
  });
  afterAll(async () => {
    await mc.close();
    await smtp.close();
  });

  const publish = (name: string, overrides: Record<string, unknown>) => mc.request('PUT', `/api/v1/templates/${name}`, templateVersion(overrides), TEST_CONTROL_KEY);
  const sent = async (body: Record<string, unknown>) => {
    const posted = await mc.request('POST', '/api/v1/events', body);
    expect(posted.status).toBe(202);
    const event = await eventWithStatus(mc, posted.body.id, ['sent', 'not_taken_into_account', 'delivery_failed']);
    const mail = smtp.messages.find((message) => message.messageId === event.deliveries[0]?.providerMessageId);
    // Headers unfolded (a long List-Unsubscribe is folded before its `<`, as RFC 5322 allows).
    return { event, mail, raw: mail?.raw.replace(/\r\n[ \t]+/g, ' '), parsed: mail ? await simpleParser(mail.raw) : undefined };
  };

  it('when a template sets them, then its messages carry its From, Reply-To and a one-click List-Unsubscribe rendered for the event, on its domain', async () => {
    const published = await publish('newsletter-welcome', {
      eventType: 'NEWSLETTER_WELCOME',
      from: 'Éléonore de Shop <eleonore@news.shop.example>',
      replyTo: 'Care <care@shop.example>',
      listUnsubscribe: 'https://shop.example/unsubscribe/{{ event.id }}?list={{ ctx.list }}',
    });
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ from: 'Éléonore de Shop <eleonore@news.shop.example>', replyTo: 'Care <care@shop.example>' });

    const { event, mail, raw, parsed } = await sent(orderEvent({ type: 'NEWSLETTER_WELCOME', email: 'ada@example.com', ctx: { list: 'weekly' } }));
    expect(event.status).toBe('sent');
    expect(parsed?.from?.value).toEqual([{ name: 'Éléonore de Shop', address: 'eleonore@news.shop.example' }]);
    expect(parsed?.replyTo?.value).toEqual([{ name: 'Care', address: 'care@shop.example' }]);
    expect(raw).toContain(`\r\nList-Unsubscribe: <https://shop.example/unsubscribe/${event.id}?list=weekly>\r\n`);
    expect(mail?.raw).toContain('\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n');
    // Message-ID on the template's From domain; the envelope sender is that From too (no bounce domain here).
    expect(event.deliveries[0].providerMessageId).toBe(`<${event.deliveries[0].id}@news.shop.example>`);
    expect(mail?.from).toBe('eleonore@news.shop.example');
  });

  it('when the template sets a mailto: List-Unsubscribe, then there is no one-click header (RFC 8058 is for https)', async () => {
    await publish('digest', { eventType: 'DIGEST', listUnsubscribe: 'mailto:unsubscribe@shop.example?subject=unsubscribe%20{{ event.id }}' });
    const { event, mail, raw } = await sent(orderEvent({ type: 'DIGEST' }));
    expect(raw).toContain(`\r\nList-Unsubscribe: <mailto:unsubscribe@shop.example?subject=unsubscribe%20${event.id}>\r\n`);
    expect(mail?.raw).not.toMatch(/^List-Unsubscribe-Post:/m);
    // No From of its own: the instance's.
    expect(mail?.raw).toMatch(/^From: Shop <no-reply@shop\.example>\r$/m);
    expect(mail?.raw).toMatch(/^Reply-To: help@shop\.example\r$/m);
  });

  it('when a template sets none, then no List-Unsubscribe is sent', async () => {
    await publish('plain', { eventType: 'PLAIN' });
    const { mail } = await sent(orderEvent({ type: 'PLAIN' }));
    expect(mail?.raw).toMatch(/^From: Shop <no-reply@shop\.example>\r$/m);
    expect(mail?.raw).not.toMatch(/^List-Unsubscribe/m);
  });

  it('when the URL renders to something else than a URL for this event, then the event is not taken into account, saying why', async () => {
    await publish('broken-unsubscribe', { eventType: 'BROKEN_UNSUBSCRIBE', listUnsubscribe: 'https://shop.example/u/{{ ctx.token }}' });
    const { event, mail } = await sent(orderEvent({ type: 'BROKEN_UNSUBSCRIBE', ctx: { token: 'a b>\r\nBcc: victim@example.com' } }));
    expect(event.status).toBe('not_taken_into_account');
    expect(event.statusReason).toMatch(/listUnsubscribe rendered to .*not an https:\/\/, http:\/\/ or mailto: URL/);
    expect(mail).toBeUndefined();
  });

  it('refuses what is no address or no URL, a header on an SMS template, and Liquid that does not parse: a 400 naming each field', async () => {
    const bad = await publish('bad-headers', { eventType: 'BAD_HEADERS', from: 'not an address', replyTo: 'a@b.example\r\nBcc: x@y.example', listUnsubscribe: 'javascript:alert(1)' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['from', 'listUnsubscribe', 'replyTo']);

    const sms = await publish('sms-headers', { eventType: 'SMS_HEADERS', channel: 'sms', text: 'Code', from: 'Shop <a@shop.example>', listUnsubscribe: 'https://shop.example/u' });
    expect(sms.status).toBe(400);
    expect(sms.body.errors).toEqual([
      { path: 'from', message: 'is for email templates only, not sms' },
      { path: 'listUnsubscribe', message: 'is for email templates only, not sms' },
    ]);

    const liquid = await publish('bad-liquid', { eventType: 'BAD_LIQUID', listUnsubscribe: 'https://shop.example/u/{{ event.id' });
    expect(liquid.status).toBe(400);
    expect(liquid.body.errors).toEqual([{ path: 'listUnsubscribe', message: expect.stringMatching(/line:1, col:/) }]);
  });
});
