import type { Channel } from '@mc/domain';
import type { MessageHeaders } from '@mc/templates';

/** One rendered message to one recipient, as a channel sends it. */
export interface OutgoingMessage {
  deliveryLogId: string;
  eventId: string;
  channel: Channel;
  recipient: string;
  subject: string;
  html: string;
  text: string;
  /** What its template set beyond the instance's defaults (email: From, Reply-To, List-Unsubscribe). */
  headers: MessageHeaders | null;
}

export interface SendReceipt {
  /** The provider's id for the message (SMTP: the Message-ID; SMS: the provider's message id). */
  providerMessageId: string | null;
}

/**
 * How a send failed, which decides what happens next:
 * - `unavailable`: the transport cannot be reached (connection refused or reset, timeout, TLS
 *   handshake, SMTP 421): its circuit opens, the message keeps its attempts and waits;
 * - `transient`: the message was refused for now (SMTP 4xx, HTTP 5xx/408/429): tried again on the
 *   retry schedule, until it gives up;
 * - `permanent`: this address will never work (SMTP 5xx to RCPT, HTTP 4xx): fail and suppress it;
 * - `misconfigured`: this instance cannot send on the channel at all: fail, suppress nothing.
 */
export type FailureKind = 'unavailable' | 'transient' | 'permanent' | 'misconfigured';

export class DeliveryFailure extends Error {
  /** When the peer said to try again (an HTTP `Retry-After`), in ms from now. */
  readonly retryAfterMs?: number;

  constructor(
    readonly kind: FailureKind,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options);
    this.name = 'DeliveryFailure';
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** A channel's transport. `send` resolves with a receipt or rejects with a `DeliveryFailure`. */
export interface ChannelSender {
  /** What logs call the transport, e.g. `SMTP 127.0.0.1:25` (never its credentials). */
  readonly label: string;
  send(message: OutgoingMessage): Promise<SendReceipt>;
  /** Idempotent. */
  close(): Promise<void>;
}

export type ChannelSenders = Record<Channel, ChannelSender>;
