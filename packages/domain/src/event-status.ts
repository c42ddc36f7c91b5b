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

/**
 * Transitions only go forward. Every status change in the code is one conditional UPDATE
 * `WHERE status = <from>` for one of these pairs, so a duplicate job can never move an event twice.
 */
export const EVENT_TRANSITIONS: Readonly<Record<EventStatus, readonly EventStatus[]>> = {
  pending: ['pending_delivery', 'not_taken_into_account', 'expired'],
  pending_delivery: ['sent', 'ignored', 'delivery_failed'],
  sent: [],
  ignored: [],
  delivery_failed: [],
  not_taken_into_account: [],
  expired: [],
};

export function canTransition(from: EventStatus, to: EventStatus): boolean {
  return EVENT_TRANSITIONS[from].includes(to);
}

export function isFinalStatus(status: EventStatus): boolean {
  return EVENT_TRANSITIONS[status].length === 0;
}
