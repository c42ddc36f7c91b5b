import { parseHeaders, readMime, type Headers, type MimePart } from './mime-parts';

/**
 * What a message to the bounce domain says about a message we sent:
 * - `bounce`: a DSN (RFC 3464) or a bounce in one of the usual free-text formats; `permanent`
 *   for a 5.x.x status (the address will not work), else a delay (4.x.x, `Action: delayed`);
 * - `complaint`: an ARF feedback report (RFC 5965), e.g. a recipient's "this is spam";
 * - `unknown`: anything else (an auto-reply, spam to the bounce domain).
 * Plus what identifies the original message: its Message-ID and envelope sender, when the
 * report carries them.
 */
export type Feedback =
  | { kind: 'bounce'; permanent: boolean; status: string | null; diagnostic: string | null; recipient: string | null; original: OriginalMessage }
  | { kind: 'complaint'; feedbackType: string; recipient: string | null; original: OriginalMessage }
  | { kind: 'unknown'; original: OriginalMessage };

export interface OriginalMessage {
  messageId: string | null;
  /** The original envelope sender (our bounce address), as the report quotes it. */
  envelopeFrom: string | null;
}

const MAX_DETAIL = 1_000;

/** `rfc822; ada@example.com` → `ada@example.com`. */
function addressOf(field: string | undefined): string | null {
  if (!field) return null;
  const value = field.includes(';') ? field.slice(field.indexOf(';') + 1) : field;
  return value.trim().replace(/^<(.*)>$/, '$1') || null;
}

const clip = (text: string | undefined | null) => (text ? text.replace(/\s+/g, ' ').trim().slice(0, MAX_DETAIL) : null);

/** The blocks of a delivery-status or feedback-report body: per-message fields, then one block per recipient. */
function fieldBlocks(body: string): Headers[] {
  return body
    .split(/\r?\n[ \t]*\r?\n/)
    .map((block) => parseHeaders(block))
    .filter((block) => block.size > 0);
}

/** The original message's identity: from a `text/rfc822-headers` or `message/rfc822` part, else from the text. */
function originalOf(parts: MimePart[], report: Headers | undefined): OriginalMessage {
  const quoted = parts.find((part) => part.type === 'text/rfc822-headers' || part.type === 'message/rfc822' || part.type === 'message/global-headers');
  const headers = quoted ? parseHeaders(quoted.body.split(/\r?\n\r?\n/)[0] ?? '') : undefined;
  const text = parts.filter((part) => part.type.startsWith('text/')).map((part) => part.body).join('\n');
  const messageId = headers?.get('message-id') ?? /^\s*Message-ID:\s*(<[^>\s]+>)/im.exec(text)?.[1] ?? null;
  const envelopeFrom =
    addressOf(report?.get('original-mail-from')) ??
    addressOf(report?.get('x-postfix-sender')) ??
    addressOf(headers?.get('return-path')) ??
    addressOf(/^\s*Return-Path:\s*(<[^>\s]*>)/im.exec(text)?.[1]);
  return { messageId: messageId?.trim() ?? null, envelopeFrom };
}

/**
 * Free-text bounces (Exim's classic "Mail delivery failed", qmail, Exchange's older NDRs and the
 * like): an enhanced status code or an SMTP reply code near the failed address, and the words
 * these formats use. A best effort: a message that matches none of it is `unknown`.
 */
function freeTextBounce(text: string, original: OriginalMessage): Feedback {
  const enhanced = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(text);
  const reply = /\b([45])\d\d(?=[ -])/.exec(text);
  const delayed = /\b(delayed|will (keep|continue) (trying|to try)|not yet been delivered|temporar(y|ily))\b/i.test(text);
  const failed = /\b(could not be delivered|permanent (error|failure)|delivery (has )?failed|undeliverable|address(es)? failed|user unknown|no such user|mailbox unavailable|does not exist)\b/i.test(text);
  const code = enhanced ? enhanced[1] : reply?.[1];
  // Neither the words of a failure or a delay: a code is a bounce only beside the words of one.
  if (!failed && !delayed && (!code || !/\b(mail delivery|delivery status|returned mail|mailer-daemon)\b/i.test(text))) return { kind: 'unknown', original };
  const permanent = code === '5' || (code === undefined && failed && !delayed);
  const recipient = /failed:\s*\r?\n?\s*<?([^\s<>@]+@[^\s<>]+?)>?\s*$/im.exec(text)?.[1] ?? null;
  const found = enhanced ?? reply;
  const line = found ? text.split(/\r?\n/).find((candidate) => candidate.includes(found[0])) : undefined;
  return {
    kind: 'bounce',
    permanent,
    status: enhanced ? enhanced[0] : code ? `${code}.0.0` : permanent ? '5.0.0' : '4.0.0',
    diagnostic: clip(line) ?? (permanent ? 'permanent failure' : 'delayed'),
    recipient,
    original,
  };
}

/** Reads a received message as a report about one of ours; never throws on what it cannot read. */
export function readFeedback(raw: string): Feedback {
  const { parts } = readMime(raw);
  const deliveryStatus = parts.find((part) => part.type === 'message/delivery-status' || part.type === 'message/global-delivery-status');
  const feedbackReport = parts.find((part) => part.type === 'message/feedback-report');

  if (feedbackReport) {
    const [fields] = fieldBlocks(feedbackReport.body);
    return {
      kind: 'complaint',
      feedbackType: (fields?.get('feedback-type') ?? 'abuse').toLowerCase(),
      recipient: addressOf(fields?.get('original-rcpt-to')),
      original: originalOf(parts, fields),
    };
  }

  if (deliveryStatus) {
    const [perMessage, ...recipients] = fieldBlocks(deliveryStatus.body);
    const blocks = recipients.length > 0 ? recipients : perMessage ? [perMessage] : [];
    // The recipient that failed, else one delayed, else the first one reported.
    const chosen =
      blocks.find((block) => block.get('action')?.toLowerCase() === 'failed') ??
      blocks.find((block) => block.get('action')?.toLowerCase() === 'delayed') ??
      blocks[0];
    const original = originalOf(parts, perMessage);
    const status = /\d\.\d{1,3}\.\d{1,3}/.exec(chosen?.get('status') ?? '')?.[0] ?? null;
    const action = chosen?.get('action')?.toLowerCase();
    if (action === 'delivered' || action === 'relayed' || action === 'expanded') return { kind: 'unknown', original };
    return {
      kind: 'bounce',
      permanent: action === 'failed' ? !status?.startsWith('4') : status?.startsWith('5') === true,
      status,
      diagnostic: clip(chosen?.get('diagnostic-code')?.replace(/^[^;]*;\s*/, '')) ?? clip(action),
      recipient: addressOf(chosen?.get('final-recipient') ?? chosen?.get('original-recipient')),
      original,
    };
  }

  const original = originalOf(parts, undefined);
  return freeTextBounce(parts.filter((part) => part.type.startsWith('text/')).map((part) => part.body).join('\n'), original);
}
