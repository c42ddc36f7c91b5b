import { simpleParser, type AddressObject } from 'mailparser';
import { startSmtpSink, type SmtpSink } from '@mc/smtp-sink';
import { newDeliveryLogId, newEventId } from '@mc/domain';
import { createEmailSender } from '../src/delivery/email-sender';
import type { ChannelSender } from '../src/delivery/channel-sender';

const first = (address: AddressObject | AddressObject[] | undefined) => (Array.isArray(address) ? address[0] : address)?.value[0];

/**
 * Messages composed by the lean path (mime-message.ts), sent through the SMTP pool to a real
 * SMTP server and read back with mailparser: what a receiver parses is what was rendered.
 */
describe('email as composed and sent', () => {
  let smtp: SmtpSink;
  let sender: ChannelSender;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    sender = createEmailSender({
      smtpUrl: smtp.url,
      from: 'Boutique Café Crème <no-reply@shop.example>',
      replyTo: 'Help, Shop <help@shop.example>',
      messageIdDomain: 'east.message-center',
    });
  });
  afterAll(async () => {
    await sender.close();
    await smtp.close();
  });

  async function sendAndParse(recipient: string, content: { subject: string; text: string; html: string }) {
    const deliveryLogId = newDeliveryLogId();
    const eventId = newEventId();
    const receipt = await sender.send({ deliveryLogId, eventId, channel: 'email', recipient, headers: null, ...content });
    const received = smtp.messages.find((message) => message.messageId === receipt.providerMessageId);
    if (!received) throw new Error('not received');
    return { received, parsed: await simpleParser(received.raw), deliveryLogId, eventId };
  }

  const cases = {
    'ASCII text and HTML': { subject: 'Order 1042 confirmed', text: 'Hello Ada,\nyour order is confirmed.', html: '<p>Hello <b>Ada</b></p>' },
    'non-ASCII and long subject, emoji': {
      subject: 'Commande n° 1042 confirmée 🎉 — merci beaucoup pour votre confiance, à très bientôt chez nous',
      text: 'Bonjour Zoë,\r\nvotre commande est confirmée : 42,00 €.\n\nÀ bientôt !',
      html: '<p>Bonjour Zoë, votre commande est confirmée&nbsp;: 42,00 €.</p>',
    },
    'long lines, dots, "From " and trailing spaces': {
      subject: 'Lines',
      text: `${'word '.repeat(600)}\n.\n..a line of dots\nFrom the start of a line  \n=3D not an escape`,
      html: `<div>${'<span>x</span>'.repeat(400)}</div>\n.\n<p>end</p>`,
    },
    'text only': { subject: 'Only text', text: 'Just text.', html: '' },
    'HTML only': { subject: 'Only HTML', text: '', html: '<p>Just HTML.</p>' },
  };

  it.each(Object.entries(cases))('when a message has %s, then a receiver parses exactly what was rendered', async (_name, content) => {
    const { received, parsed, deliveryLogId, eventId } = await sendAndParse('ada@example.com', content);
    expect(parsed.subject).toBe(content.subject);
    expect(first(parsed.from)).toEqual({ name: 'Boutique Café Crème', address: 'no-reply@shop.example' });
    expect(first(parsed.replyTo)).toEqual({ name: 'Help, Shop', address: 'help@shop.example' });
    expect(first(parsed.to)).toEqual({ name: '', address: 'ada@example.com' });
    expect(received.from).toBe('no-reply@shop.example');
    expect(received.to).toEqual(['ada@example.com']);
    expect(parsed.messageId).toBe(`<${deliveryLogId}@east.message-center>`);
    expect(parsed.headers.get('x-message-center-event')).toBe(eventId);
    expect(parsed.date).toBeInstanceOf(Date);
    // Line breaks as a receiver sees them; a single-part body ends with the CRLF that SMTP's end of data needs.
    // (Without a text part, mailparser derives a text from the HTML.)
    const body = (value: string) => value.replace(/\r\n/g, '\n').replace(/\n$/, '');
    if (content.text) expect(body(parsed.text ?? '')).toBe(body(content.text));
    if (content.html) expect(body(parsed.html || '')).toBe(body(content.html));
    else expect(parsed.html).toBe(false);
    // On the wire: CRLF only, no line over 78 characters (RFC 5322 §2.1.1).
    expect(received.raw).not.toMatch(/[^\r]\n/);
    expect(Math.max(...received.raw.split('\r\n').map((line) => line.length))).toBeLessThanOrEqual(78);
  });

  it('when the recipient is an international address, then it still goes out (through nodemailer, SMTPUTF8)', async () => {
    const { received, parsed } = await sendAndParse('ada@exämple.com', cases['ASCII text and HTML']);
    expect(received.to).toEqual(['ada@exämple.com']);
    expect(parsed.subject).toBe('Order 1042 confirmed');
  });
});
