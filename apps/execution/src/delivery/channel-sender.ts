import type { Channel } from '@mc/domain';

/** One rendered message to one recipient, as a channel sends it. */
export interface OutgoingMessage {
  deliveryLogId: string;
  eventId: string;
  channel: Channel;
  recipient: string;
  subject: string;
  html: string;
  text: string;
}

export interface SendReceipt {
  /** The provider's id for the message (SMTP: the Message-ID; SMS: the provider's message id). */
  providerMessageId: string | null;
}

/**
 * How a send failed, which decides what happens next:
 * - `transient`: try again later (SMTP 4xx, connection lost, HTTP 5xx/408/429, timeout);
 * - `permanent`: this address will never work (SMTP 5xx, HTTP 4xx): fail and suppress it;
 * - `misconfigured`: this instance cannot send on the channel at all: fail, suppress nothing.
 */
export type FailureKind = 'transient' | 'permanent' | 'misconfigured';

export class DeliveryFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DeliveryFailure';
  }
}

/** A channel's transport. `send` resolves with a receipt or rejects with a `DeliveryFailure`. */
export interface ChannelSender {
  send(message: OutgoingMessage): Promise<SendReceipt>;
  /** Idempotent. */
  close(): Promise<void>;
}

export type ChannelSenders = Record<Channel, ChannelSender>;
