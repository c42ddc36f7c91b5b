import nodemailer from 'nodemailer';
import { isTransientInfrastructureError } from '@mc/domain';
import { DeliveryFailure, type ChannelSender, type OutgoingMessage } from './channel-sender';

export interface EmailSenderOptions {
  /** `smtp://user:pass@host:port` or `smtps://…`. */
  smtpUrl: string;
  /** The From header, e.g. `Shop <no-reply@shop.example>`. */
  from: string;
  replyTo?: string;
  /** Pooled SMTP connections; default 5. */
  poolSize?: number;
  /** The right-hand side of Message-IDs: `<deliveryLogId@domain>`. */
  messageIdDomain: string;
}

/**
 * SMTP error → what to do. A 5xx to RCPT TO is the address's fault (permanent: suppressed); any
 * other 5xx (MAIL FROM refused, message refused) fails the delivery without blaming the address;
 * authentication and TLS failures are this instance's configuration; 4xx and lost connections
 * are passing.
 */
export function classifySmtpError(error: unknown): DeliveryFailure {
  const { responseCode, code, command, message } = error as { responseCode?: number; code?: string; command?: string; message?: string };
  const text = message ?? String(error);
  if (code === 'EAUTH' || code === 'ETLS') return new DeliveryFailure('misconfigured', `SMTP ${text}`, { cause: error });
  if (typeof responseCode === 'number') {
    if (responseCode >= 500) {
      const recipientRefused = command === undefined || /^RCPT\b/i.test(command);
      return new DeliveryFailure(recipientRefused ? 'permanent' : 'misconfigured', `SMTP ${text}`, { cause: error });
    }
    if (responseCode >= 400) return new DeliveryFailure('transient', `SMTP ${text}`, { cause: error });
  }
  if (code === 'ECONNECTION' || code === 'ETIMEDOUT' || code === 'ESOCKET' || code === 'EDNS' || isTransientInfrastructureError(error)) {
    return new DeliveryFailure('transient', `SMTP ${text}`, { cause: error });
  }
  return new DeliveryFailure('transient', `SMTP ${text}`, { cause: error });
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
  let closed = false;
  return {
    async send(message: OutgoingMessage) {
      const messageId = `<${message.deliveryLogId}@${options.messageIdDomain}>`;
      try {
        await transport.sendMail({
          from: options.from,
          ...(options.replyTo ? { replyTo: options.replyTo } : {}),
          to: message.recipient,
          subject: message.subject,
          html: message.html || undefined,
          text: message.text || undefined,
          messageId,
          headers: { 'X-Message-Center-Event': message.eventId },
        });
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
