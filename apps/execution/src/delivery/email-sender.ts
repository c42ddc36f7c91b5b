import nodemailer from 'nodemailer';
import { isTransientInfrastructureError } from '@mc/observability';
import { DeliveryFailure, type ChannelSender, type OutgoingMessage } from './channel-sender';
import { composeMime, isPlainAddress, prepareAddress, type PreparedAddress } from './mime-message';
import MailComposer from 'nodemailer/lib/mail-composer';
import { bounceAddress, type BounceAddressing } from './verp';
import { dkimSign, type DkimKey } from './dkim';

export interface EmailSenderOptions {
  /** `smtp://user:pass@host:port` or `smtps://…`. */
  smtpUrl: string;
  /** The From header, e.g. `Shop <no-reply@shop.example>`, of messages whose template sets none. */
  from: string;
  replyTo?: string;
  /** Pooled SMTP connections; default 5. */
  poolSize?: number;
  /** The right-hand side of Message-IDs: `<deliveryLogId@domain>`; default: the message's From domain. */
  messageIdDomain?: string;
  /** Per-message envelope senders on the bounce domain (VERP); unset: the From address. */
  bounces?: BounceAddressing;
  /** Signs every message (MC_DKIM_*). */
  dkim?: DkimKey;
}

/** nodemailer's full composition, for what the lean path does not carry (an international address). */
function composeWithNodemailer(mail: ConstructorParameters<typeof MailComposer>[0]): Promise<string> {
  return new Promise((resolve, reject) => {
    new MailComposer(mail).compile().build((error, message) => (error ? reject(error) : resolve(message.toString('utf8'))));
  });
}

/** A template's From or Reply-To, prepared once per distinct value (templates are few). */
class PreparedAddresses {
  private readonly prepared = new Map<string, PreparedAddress>();

  /** Throws a `misconfigured` failure for a value that is no address (contract-validated, so never expected). */
  get(value: string): PreparedAddress {
    let address = this.prepared.get(value);
    if (!address) {
      try {
        address = prepareAddress(value);
      } catch (thrown) {
        throw new DeliveryFailure('misconfigured', `the template's address ${JSON.stringify(value)} cannot be used`, { cause: thrown });
      }
      if (this.prepared.size >= 1_000) this.prepared.clear();
      this.prepared.set(value, address);
    }
    return address;
  }
}

function domainOf(address: PreparedAddress): string {
  return address.address.slice(address.address.lastIndexOf('@') + 1);
}

/**
 * `List-Unsubscribe` (RFC 2369) and, for an https URL, RFC 8058's one-click
 * `List-Unsubscribe-Post` (mailbox providers POST it; DKIM signs both).
 */
function unsubscribeHeaders(url: string | undefined): Record<string, string> {
  if (!url) return {};
  const list = { 'List-Unsubscribe': `<${url}>` };
  return /^https:/i.test(url) ? { ...list, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : list;
}

/**
 * SMTP error → what to do. A 5xx to RCPT TO is the address's fault (permanent: suppressed); any
 * other 5xx (MAIL FROM refused, message refused) fails the delivery without blaming the address;
 * authentication failures are this instance's configuration; other 4xx are the message's for now
 * (retried on the schedule); 421 (service closing), a refused, reset or timed-out connection and
 * a failed TLS handshake mean the server cannot be reached (its circuit opens).
 */
export function classifySmtpError(error: unknown): DeliveryFailure {
  const { responseCode, code, command, message } = error as { responseCode?: number; code?: string; command?: string; message?: string };
  const text = message ?? String(error);
  if (code === 'EAUTH') return new DeliveryFailure('misconfigured', `SMTP ${text}`, { cause: error });
  if (typeof responseCode === 'number') {
    if (responseCode >= 500) {
      const recipientRefused = command === undefined || /^RCPT\b/i.test(command);
      return new DeliveryFailure(recipientRefused ? 'permanent' : 'misconfigured', `SMTP ${text}`, { cause: error });
    }
    if (responseCode === 421) return new DeliveryFailure('unavailable', `SMTP ${text}`, { cause: error });
    if (responseCode >= 400) return new DeliveryFailure('transient', `SMTP ${text}`, { cause: error });
  }
  if (code === 'ETLS' || code === 'ECONNECTION' || code === 'ETIMEDOUT' || code === 'ESOCKET' || code === 'EDNS' || isTransientInfrastructureError(error)) {
    return new DeliveryFailure('unavailable', `SMTP ${text}`, { cause: error });
  }
  return new DeliveryFailure('transient', `SMTP ${text}`, { cause: error });
}

/** `SMTP host:port` of an SMTP URL, without its credentials. */
export function smtpLabel(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  return `SMTP ${url.hostname}:${url.port || (url.protocol === 'smtps:' ? '465' : '25')}`;
}

/**
 * Email over pooled SMTP (nodemailer). Every message carries `Message-ID: <deliveryLogId@domain>`,
 * stable across retries, so a message sent again after a crash can be recognised downstream.
 */
export function createEmailSender(options: EmailSenderOptions): ChannelSender {
  const transport = nodemailer.createTransport({
    url: options.smtpUrl,
    pool: true,
    maxConnections: options.poolSize ?? 5,
    maxMessages: Infinity,
    // A lost connection surfaces as a transient failure: our retries count it, back off and log it.
    maxRequeues: 0,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  const defaultFrom = prepareAddress(options.from);
  const defaultReplyTo = options.replyTo ? prepareAddress(options.replyTo) : undefined;
  const addresses = new PreparedAddresses();
  let closed = false;
  return {
    label: smtpLabel(options.smtpUrl),
    async send(message: OutgoingMessage) {
      const set = message.headers;
      const from = set?.from ? addresses.get(set.from) : defaultFrom;
      const replyTo = set?.replyTo ? addresses.get(set.replyTo) : defaultReplyTo;
      const messageId = `<${message.deliveryLogId}@${options.messageIdDomain ?? domainOf(from)}>`;
      // Auto-Submitted (RFC 3834): no vacation responder or auto-reply answers a transactional message.
      const headers = { 'Auto-Submitted': 'auto-generated', ...unsubscribeHeaders(set?.listUnsubscribe), 'X-Message-Center-Event': message.eventId };
      const envelope = { from: options.bounces ? bounceAddress(message.deliveryLogId, options.bounces) : from.address, to: [message.recipient] };
      try {
        // The common case: composed once in memory (see mime-message.ts); an international address: by nodemailer (IDN, SMTPUTF8).
        let raw = isPlainAddress(message.recipient)
          ? composeMime({ from, replyTo, to: message.recipient, subject: message.subject, text: message.text, html: message.html, messageId, headers }, `--_mc_${message.deliveryLogId}`)
          : await composeWithNodemailer({
              from: set?.from ?? options.from,
              ...(replyTo ? { replyTo: set?.replyTo ?? options.replyTo } : {}),
              to: message.recipient,
              subject: message.subject,
              html: message.html || undefined,
              text: message.text || undefined,
              messageId,
              headers,
            });
        if (options.dkim) raw = dkimSign(raw, options.dkim);
        // `messageId` only spares nodemailer generating one (random bytes) for a message it does not compose.
        await transport.sendMail({ envelope, raw, messageId });
        return { providerMessageId: messageId };
      } catch (thrown) {
        throw classifySmtpError(thrown);
      }
    },
    close() {
      if (!closed) {
        closed = true;
        transport.close();
      }
      return Promise.resolve();
    },
  };
}
