import { EVENT_STATUSES, EVENT_TRANSITIONS, canTransition, isFinalStatus } from '../src';

describe('event statuses', () => {
  it('has the seven statuses of the design', () => {
    expect(EVENT_STATUSES).toEqual(['pending', 'pending_delivery', 'sent', 'ignored', 'delivery_failed', 'not_taken_into_account', 'expired']);
  });

  it('only moves forward: pending → pending_delivery → final, or pending → final', () => {
    expect(canTransition('pending', 'pending_delivery')).toBe(true);
    expect(canTransition('pending', 'not_taken_into_account')).toBe(true);
    expect(canTransition('pending', 'expired')).toBe(true);
    expect(canTransition('pending_delivery', 'sent')).toBe(true);
    expect(canTransition('pending_delivery', 'pending')).toBe(false);
    expect(canTransition('sent', 'delivery_failed')).toBe(false);
    expect(canTransition('pending', 'sent')).toBe(false);
  });

  it('has no cycle: no status can be reached again from itself', () => {
    const reachable = (from: keyof typeof EVENT_TRANSITIONS, seen = new Set<string>()): Set<string> => {
      for (const next of EVENT_TRANSITIONS[from]) {
        if (!seen.has(next)) {
          seen.add(next);
          reachable(next, seen);
        }
      }
      return seen;
    };
    for (const status of EVENT_STATUSES) expect(reachable(status).has(status)).toBe(false);
  });

  it('calls final exactly the five end states', () => {
    expect(EVENT_STATUSES.filter(isFinalStatus)).toEqual(['sent', 'ignored', 'delivery_failed', 'not_taken_into_account', 'expired']);
  });
});
