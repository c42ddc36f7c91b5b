/** The seven event statuses of DESIGN.md §2, by their API value. */
export const EVENT_STATUSES = [
  'pending',
  'pending_delivery',
  'sent',
  'ignored',
  'delivery_failed',
  'not_taken_into_account',
  'expired',
] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

export const EVENT_KINDS = ['rt', 'batch'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const CHANNELS = ['email', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];

export const DELIVERY_STATUSES = ['pending', 'sent', 'ignored', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/*
 * Statuses only go forward: pending → pending_delivery | not_taken_into_account | expired, and
 * pending_delivery → sent | ignored | delivery_failed; the other five are final. Each move is one
 * conditional UPDATE `WHERE status = <from>` in src/sql/ of the execution app, so a duplicate job
 * can never move an event twice.
 */
