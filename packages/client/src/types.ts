/*
 * The producers' API as it travels (dates are ISO-8601 strings). Written out here so that the
 * package has no dependency; tests/client.test.ts checks at compile time that each type is
 * exactly what the server's contract (packages/contract) says.
 */

export type EventStatus = 'pending' | 'pending_delivery' | 'sent' | 'ignored' | 'delivery_failed' | 'not_taken_into_account' | 'expired';
export type EventKind = 'rt' | 'batch';
export type Channel = 'email' | 'sms';
export type DeliveryStatus = 'pending' | 'sent' | 'ignored' | 'failed';

/** What `pushEvent` sends: an email event needs `email`, an SMS event `mobilePhone` (E.164). */
export interface EventInput {
  type: string;
  channel?: Channel;
  email?: string;
  mobilePhone?: string;
  ctx?: Record<string, unknown>;
  /** Unique per producer: a second push with it returns the first event and stores nothing. */
  externalId?: string;
  scheduledAt?: string;
  expiresAt?: string;
}

export interface EventAccepted {
  id: string;
  status: EventStatus;
  kind: EventKind;
}

export interface BatchAccepted {
  accepted: number;
  duplicates: number;
  ids: string[];
}

export interface DeliveryFeedback {
  kind: 'bounce' | 'delay' | 'complaint' | 'receipt' | 'retry';
  status: string | null;
  detail: string | null;
  receivedAt: string;
}

export interface DeliveryView {
  id: string;
  status: DeliveryStatus;
  channel: Channel;
  recipient: string;
  templateName: string;
  templateVersion: number;
  attempts: number;
  lastError: string | null;
  providerMessageId: string | null;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
  nextAttemptAt: string | null;
  feedback: DeliveryFeedback[];
}

export interface EventSummary {
  id: string;
  /** A stable numeric id beside the UUID (Campaign Classic's `plId`); `getEvent` takes it too. */
  plId: number;
  producer: string;
  kind: EventKind;
  type: string;
  channel: Channel;
  email: string | null;
  mobilePhone: string | null;
  externalId: string | null;
  ctx: Record<string, unknown>;
  /** A Campaign Classic (SOAP) event's attributes without a field here (`origin`, `language`, …); null for others. */
  accAttributes: Record<string, string> | null;
  /** A Campaign Classic event's `<ctx>` as received (XML), beside `ctx`; null for others. */
  ctxXml: string | null;
  status: EventStatus;
  statusReason: string | null;
  template: { name: string; version: number } | null;
  attempts: number;
  scheduledAt: string | null;
  expiresAt: string | null;
  createdAt: string;
  updatedAt: string;
  linkedAt: string | null;
}

export interface EventView extends EventSummary {
  deliveries: DeliveryView[];
}

export interface EventPage {
  items: EventSummary[];
  nextCursor: string | null;
}

/** Filters of `listEvents`. */
export interface EventFilters {
  status?: EventStatus;
  type?: string;
  externalId?: string;
  /** With an `events:read:all` key: one producer's events. */
  producer?: string;
  /** Events per page (1–500). */
  limit?: number;
}

export type ErrorCode =
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'request_timeout'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unprocessable'
  | 'rate_limited'
  | 'headers_too_large'
  | 'internal'
  | 'unavailable';

/** Every error answer: RFC 9457 problem details. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  /** Every bad field, on `validation_failed`. */
  errors?: Array<{ path: string; message: string }>;
  instance?: string;
}

export type WebhookEventType = 'event.sent' | 'event.delivery_failed' | 'event.ignored' | 'event.not_taken_into_account' | 'event.expired' | 'event.complained';

/** The body of a status webhook. */
export interface WebhookMessage {
  type: WebhookEventType | 'webhook.test';
  timestamp: string;
  data: {
    id: string | null;
    externalId: string | null;
    eventType: string | null;
    channel: Channel | null;
    status: EventStatus | null;
    reason: string | null;
    template: { name: string; version: number } | null;
    updatedAt: string | null;
    complaint: { type: string | null; detail: string | null; receivedAt: string } | null;
  };
}
