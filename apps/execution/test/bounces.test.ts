import { readFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import pg from 'pg';
import { startSmtpSink, type ReceivedMessage, type SmtpSink } from '@mc/smtp-sink';
import { orderEvent, templateVersion, testLogger, waitFor, TEST_CONTROL_KEY } from '@mc/testing';
import { eventWithStatus, startExecutionHarness, type ExecutionHarness } from '../testing';
import { bounceAddress, deliveryOfBounceAddress } from '../src/delivery/verp';
import { readFeedback } from '../src/inbound/feedback-report';
import { startInboundSmtp } from '../src/inbound/inbound-smtp';

const DOMAIN = 'bounces.shop.example';
const SECRET = 'bounce-secret-of-this-test-0123456789';
const fixture = (name: string) => readFileSync(path.join(__dirname, 'fixtures/inbound', name), 'utf8');

/** A fixture as an MTA would have written it about `message` (the placeholders filled in). */
function reportAbout(name: string, message: Pick<ReceivedMessage, 'from' | 'to' | 'messageId'>): string {
  return fixture(name)
    .replaceAll('BOUNCE_ADDRESS', message.from ?? '')
    .replaceAll('BOUNCE_DOMAIN', DOMAIN)
    .replaceAll('RECIPIENT', message.to[0] ?? '')
    .replaceAll('MESSAGE_ID', message.messageId ?? '');
}

describe('bounce addresses (VERP)', () => {
  const addressing = { domain: DOMAIN, secret: SECRET };
  const id = '0190f5a2-7b3c-7d4e-8f90-123456789abc';

  it('name their delivery, and a changed tag, id or domain names none', () => {
    const address = bounceAddress(id, addressing);
    expect(address).toMatch(/^b-[0-9a-f]{32}-[0-9a-f]{16}@bounces\.shop\.example$/);
    expect(deliveryOfBounceAddress(address, addressing)).toBe(id);
    expect(deliveryOfBounceAddress(address.toUpperCase(), addressing)).toBe(id);
    const [local = '', domain] = address.split('@');
    const forgedTag = `${local.slice(0, -1)}${local.endsWith('0') ? '1' : '0'}@${domain}`;
    const otherId = `${local.replace(/^b-./, 'b-f')}@${domain}`;
    for (const forged of [forgedTag, otherId, `${local}@shop.example`, 'postmaster@bounces.shop.example', bounceAddress(id, { ...addressing, secret: 'another-secret-0123456789' })]) {
      expect(deliveryOfBounceAddress(forged, addressing)).toBeUndefined();
    }
  });
});

describe('reading reports as real MTAs write them', () => {
  const original = { from: 'b-0190f5a27b3c7d4e8f90123456789abc-0123456789abcdef@bounces.shop.example', to: ['ada@customer.example'], messageId: '<0190f5a2-7b3c-7d4e-8f90-123456789abc@local.message-center>' };

  it.each([
    ['postfix-unknown-user.eml', { kind: 'bounce', permanent: true, status: '5.1.1' }, /User unknown in virtual mailbox table/],
    ['postfix-delayed.eml', { kind: 'bounce', permanent: false, status: '4.4.1' }, /Connection timed out/],
    ['exim-failed.eml', { kind: 'bounce', permanent: true, status: '5.1.1' }, /does not exist/],
  ])('%s', (name, expected, diagnostic) => {
    const feedback = readFeedback(reportAbout(name, original));
    expect(feedback).toMatchObject({ ...expected, original: { messageId: original.messageId } });
    expect(feedback.kind === 'bounce' && feedback.diagnostic).toMatch(diagnostic);
  });

  it('an ARF abuse report is a complaint naming the original sender and Message-ID', () => {
    expect(readFeedback(reportAbout('arf-abuse.eml', original))).toEqual({
      kind: 'complaint',
      feedbackType: 'abuse',
      recipient: 'ada@customer.example',
      original: { messageId: original.messageId, envelopeFrom: original.from },
    });
  });

  it('a report generated here, base64-encoded, with several recipients, is read the same', () => {
    const status = ['Reporting-MTA: dns; mx.example', '', 'Final-Recipient: rfc822; other@example.com', 'Action: delivered', 'Status: 2.0.0', '', 'Final-Recipient: rfc822; ada@customer.example', 'Action: failed', 'Status: 5.2.2', 'Diagnostic-Code: smtp; 552 5.2.2 Mailbox full'].join('\r\n');
    const raw = [
      'From: MAILER-DAEMON@mx.example',
      'Content-Type: multipart/report; report-type=delivery-status; boundary=XYZ',
      '',
      '--XYZ',
      'Content-Type: text/plain',
      '',
      'Delivery failed.',
      '--XYZ',
      'Content-Type: message/delivery-status',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(status).toString('base64').replace(/(.{76})/g, '$1\r\n'),
      '--XYZ--',
      '',
    ].join('\r\n');
    expect(readFeedback(raw)).toMatchObject({ kind: 'bounce', permanent: true, status: '5.2.2', diagnostic: '552 5.2.2 Mailbox full', recipient: 'ada@customer.example' });
  });

  it('an auto-reply, an empty message and garbage are unknown, never an error', () => {
    for (const raw of ['Subject: Out of office\r\n\r\nI am away until Monday.', '', '\u0000\u0001--x--\r\n\r\n\r\n', 'Content-Type: multipart/report; boundary="b"\r\n\r\n--b\r\n--b--']) {
      expect(readFeedback(raw).kind).toBe('unknown');
    }
  });
});

describe('the inbound SMTP listener and what a bounce does to an event', () => {
  let relay: SmtpSink;
  let mc: ExecutionHarness;
  let inbound: Transporter;
  /** What the relay does with the next message it accepts: a report to send back, by fixture name. */
  let bounceWith: string | undefined;

  const sendToListener = (raw: string, to: string[], from = '') => inbound.sendMail({ envelope: { from, to }, raw });

  beforeAll(async () => {
    relay = await startSmtpSink();
    mc = await startExecutionHarness({
      SMTP_URL: relay.url,
      MC_EMAIL_FROM: 'Shop <no-reply@shop.example>',
      MC_BOUNCE_DOMAIN: DOMAIN,
      MC_BOUNCE_SECRET: SECRET,
      INBOUND_SMTP_PORT: '0',
      UPDATE_EVENT_STATUS_EVERY_MS: '100',
    });
    inbound = nodemailer.createTransport({ host: '127.0.0.1', port: mc.instance.inbound?.port, secure: false, ignoreTLS: true });
    // A relay that accepts every message, then (like any real one) reports a failure later, to the envelope sender.
    relay.onMessage((message) => {
      const report = bounceWith;
      bounceWith = undefined;
      if (report && message.from) void sendToListener(reportAbout(report, message), [message.from]);
    });
    await mc.request('PUT', '/api/v1/templates/order-confirmation', templateVersion(), TEST_CONTROL_KEY);
  });
  afterAll(async () => {
    inbound.close();
    await mc.close();
    await relay.close();
  });

  const post = async (email: string) => (await mc.request('POST', '/api/v1/events', orderEvent({ email }))).body.id as string;
  const inboundMail = () => mc.instance.db.pool.query('SELECT outcome, delivery_log_id, envelope_to, size FROM inbound_mail ORDER BY received_at').then((result) => result.rows);

  it('when a message is accepted and bounced later, then the event goes sent → delivery_failed, the address is suppressed and the next event is ignored', async () => {
    bounceWith = 'postfix-unknown-user.eml';
    const id = await post('gone@customer.example');
    const message = await waitFor(() => relay.messages.find((candidate) => candidate.to.includes('gone@customer.example')));
    const delivery = (await eventWithStatus(mc, id, ['sent', 'delivery_failed'])).deliveries[0];
    // The envelope sender names the delivery; the From header stays the shop's.
    expect(message.from).toBe(bounceAddress(delivery.id, { domain: DOMAIN, secret: SECRET }));
    expect(message.raw).toMatch(/^From: Shop <no-reply@shop\.example>/m);

    const failed = await eventWithStatus(mc, id, 'delivery_failed');
    expect(failed.statusReason).toMatch(/^bounced: 5\.1\.1 550 5\.1\.1 .*User unknown/);
    expect(failed.deliveries[0]).toMatchObject({ status: 'failed', feedback: [{ kind: 'bounce', status: '5.1.1', detail: expect.stringMatching(/User unknown/), receivedAt: expect.any(String) }] });
    const suppressed = await mc.request('GET', '/api/v1/suppressions?channel=email', undefined, TEST_CONTROL_KEY);
    expect(JSON.stringify(suppressed.body)).toContain('gone@customer.example');

    const next = await post('gone@customer.example');
    expect((await eventWithStatus(mc, next, ['ignored', 'sent', 'delivery_failed'])).status).toBe('ignored');
    const metrics = await (await fetch(`${mc.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^mc_bounces_total\{kind="hard"[^}]*\} 1$/m);
  });

  it('when a free-text bounce (Exim) comes back, then it fails the delivery the same way', async () => {
    bounceWith = 'exim-failed.eml';
    const id = await post('exim@customer.example');
    expect((await eventWithStatus(mc, id, 'delivery_failed')).statusReason).toMatch(/^bounced: 5\.1\.1/);
  });

  it('when a delay is reported, then it is recorded on the delivery log and the event stays sent', async () => {
    bounceWith = 'postfix-delayed.eml';
    const id = await post('slow@customer.example');
    await eventWithStatus(mc, id, 'sent');
    const event = await waitFor(async () => {
      const answer = (await mc.request('GET', `/api/v1/events/${id}`)).body;
      return answer.deliveries[0].feedback.length > 0 ? answer : undefined;
    });
    expect(event).toMatchObject({ status: 'sent', deliveries: [{ status: 'sent', feedback: [{ kind: 'delay', status: '4.4.1' }] }] });
  });

  it('when a complaint (ARF) arrives at a plain address of the bounce domain, then it is matched by the original message, the address is suppressed and the event stays sent', async () => {
    const id = await post('annoyed@customer.example');
    await eventWithStatus(mc, id, 'sent');
    const message = relay.messages.find((candidate) => candidate.to.includes('annoyed@customer.example')) as ReceivedMessage;
    // Reported by a mailbox provider's feedback loop, to fbl@: no bounce address on the envelope.
    await sendToListener(reportAbout('arf-abuse.eml', { ...message, from: 'someone-else@shop.example' }), [`fbl@${DOMAIN}`], 'fbl-bounces@feedback.mailbox.example');
    const event = await waitFor(async () => {
      const answer = (await mc.request('GET', `/api/v1/events/${id}`)).body;
      return answer.deliveries[0].feedback.length > 0 ? answer : undefined;
    });
    expect(event).toMatchObject({ status: 'sent', deliveries: [{ status: 'sent', feedback: [{ kind: 'complaint', status: 'abuse' }] }] });
    const suppressed = await mc.request('GET', '/api/v1/suppressions?channel=email', undefined, TEST_CONTROL_KEY);
    expect(JSON.stringify(suppressed.body)).toMatch(/annoyed@customer\.example.*complaint: abuse/);
    expect(await (await fetch(`${mc.baseUrl}/metrics`)).text()).toMatch(/^mc_complaints_total\{[^}]*\} 1$/m);
  });

  it('when mail is for another domain, it is refused; what it cannot read or match is kept, never lost', async () => {
    await expect(sendToListener('Subject: hi\r\n\r\nrelay me', ['someone@elsewhere.example'])).rejects.toMatchObject({ responseCode: 550 });
    const before = (await inboundMail()).length;
    await sendToListener('Subject: Out of office\r\n\r\nI am away.', [`postmaster@${DOMAIN}`], 'ada@customer.example');
    const forged = bounceAddress('0190f5a2-7b3c-7d4e-8f90-123456789abc', { domain: DOMAIN, secret: 'not-the-secret-0123456789' });
    await sendToListener(reportAbout('postfix-unknown-user.eml', { from: forged, to: ['ada@customer.example'], messageId: '<not-ours@elsewhere.example>' }), [forged]);
    const kept = (await inboundMail()).slice(before);
    expect(kept).toEqual([
      expect.objectContaining({ outcome: 'unparsed', delivery_log_id: null, envelope_to: [`postmaster@${DOMAIN}`] }),
      expect.objectContaining({ outcome: 'unmatched', delivery_log_id: null, envelope_to: [forged] }),
    ]);
  });
});

describe('the inbound SMTP listener without its database', () => {
  it('answers 451 (the sending MTA tries again later) rather than accepting what it cannot keep', async () => {
    const pool = new pg.Pool({ connectionString: 'postgresql://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 1_000 });
    const listener = await startInboundSmtp({ pool, logger: testLogger(), bounces: { domain: DOMAIN, secret: SECRET } }, { host: '127.0.0.1', port: 0, maxBytes: 1024 * 1024 });
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true });
    try {
      await expect(transport.sendMail({ envelope: { from: '', to: [`postmaster@${DOMAIN}`] }, raw: 'Subject: a bounce\r\n\r\nsomething' })).rejects.toMatchObject({ responseCode: 451 });
      // Too large is refused for good, before anything is stored.
      await expect(transport.sendMail({ envelope: { from: '', to: [`postmaster@${DOMAIN}`] }, raw: `Subject: big\r\n\r\n${'x'.repeat(2 * 1024 * 1024)}` })).rejects.toMatchObject({ responseCode: 552 });
    } finally {
      transport.close();
      await listener.close();
      await pool.end();
    }
  });
});
