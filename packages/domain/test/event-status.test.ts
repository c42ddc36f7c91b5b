import { EVENT_STATUSES } from '../src';

describe('event statuses', () => {
  it('has the seven statuses of the design', () => {
    expect(EVENT_STATUSES).toEqual(['pending', 'pending_delivery', 'sent', 'ignored', 'delivery_failed', 'not_taken_into_account', 'expired']);
  });
});
