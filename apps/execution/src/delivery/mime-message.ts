import addressparser from 'nodemailer/lib/addressparser';
import { encodeWords, foldLines, isPlainText } from 'nodemailer/lib/mime-funcs';
import { encode as encodeQuotedPrintable, wrap as wrapQuotedPrintable } from 'nodemailer/lib/qp';

/**
 * A message composed once, in memory, and handed to the SMTP pool as it goes on the wire: one
 * string, one write, instead of nodemailer's tree of streams per message (a third of a send's CPU
 * was MIME composition, stream plumbing and small socket writes). The encodings are nodemailer's
 * own (RFC 2047 words, quoted-printable), so headers and bodies read as nodemailer's would.
 */

/** An address header value prepared once per sender: `Name <address>`, the name encoded when it must be. */
export interface PreparedAddress {
  header: string;
  address: string;
}

const SPECIALS = /[()<>[\]:;@\\,."]/;

/** Parses `Shop <no-reply@shop.example>` (or a bare address) into its header form and its address. */
export function prepareAddress(value: string): PreparedAddress {
  const [parsed] = addressparser(value, { flatten: true });
  if (!parsed?.address) throw new Error(`not an address: ${value}`);
  const { name, address } = parsed;
  if (!name) return { header: address, address };
  const shown = isPlainText(name) ? (SPECIALS.test(name) ? `"${name.replace(/["\\]/g, '\\$&')}"` : name) : encodeWords(name, 'Q', 52);
  return { header: `${shown} <${address}>`, address };
}

/** Can the lean path carry this recipient? (An international address goes through nodemailer's full path.) */
export function isPlainAddress(address: string): boolean {
  return isPlainText(address) && !/[\s<>,;"]/.test(address);
}

export interface MimeMessage {
  from: PreparedAddress;
  replyTo?: PreparedAddress;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** Extra headers, plain ASCII names and values. */
  headers: Record<string, string>;
  date?: Date;
}

function header(name: string, value: string): string {
  return foldLines(`${name}: ${value}`, 76);
}

function quotedPrintable(body: string): string {
  return wrapQuotedPrintable(encodeQuotedPrintable(body.replace(/\r?\n/g, '\r\n')), 76);
}

function part(type: 'text/plain' | 'text/html', body: string): string {
  return `Content-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${quotedPrintable(body)}`;
}

/**
 * The whole message, CRLF line endings, no line over 76 characters: a `multipart/alternative` of
 * the text and the HTML part, or the one part there is. `boundary` must not occur in the parts:
 * it carries the delivery log id, which no template can know.
 */
export function composeMime(message: MimeMessage, boundary: string): string {
  const lines = [
    header('From', message.from.header),
    ...(message.replyTo ? [header('Reply-To', message.replyTo.header)] : []),
    header('To', message.to),
    header('Subject', isPlainText(message.subject) ? message.subject : encodeWords(message.subject, 'Q', 52)),
    header('Date', (message.date ?? new Date()).toUTCString().replace(/GMT/, '+0000')),
    header('Message-ID', message.messageId),
    ...Object.entries(message.headers).map(([name, value]) => header(name, value)),
    'MIME-Version: 1.0',
  ];
  const parts = [...(message.text ? [part('text/plain', message.text)] : []), ...(message.html ? [part('text/html', message.html)] : [])];
  if (parts.length === 0) parts.push(part('text/plain', ''));
  if (parts.length === 1) return `${lines.join('\r\n')}\r\n${parts[0]}`;
  const body = parts.map((content) => `--${boundary}\r\n${content}\r\n`).join('');
  return `${lines.join('\r\n')}\r\nContent-Type: multipart/alternative;\r\n boundary="${boundary}"\r\n\r\n${body}--${boundary}--\r\n`;
}
