import { fieldErrorsOf } from '@mc/domain';
import { batchInputSchema, eventInputSchema } from '../src';

describe('the event input schema', () => {
  it('when only type and email are given, then channel defaults to email and ctx to {}', () => {
    expect(eventInputSchema.parse({ type: 'ORDER_CONFIRMATION', email: 'ada@example.com' })).toEqual({
      type: 'ORDER_CONFIRMATION',
      channel: 'email',
      email: 'ada@example.com',
      ctx: {},
    });
  });

  it('when dates are given, then they become Dates; without a time zone they are refused', () => {
    const parsed = eventInputSchema.parse({ type: 'T', email: 'a@example.com', scheduledAt: '2026-12-01T09:00:00Z' });
    expect(parsed.scheduledAt).toEqual(new Date('2026-12-01T09:00:00Z'));
    const result = eventInputSchema.safeParse({ type: 'T', email: 'a@example.com', expiresAt: '2026-12-01T09:00:00' });
    expect(result.success).toBe(false);
  });

  it('when a field and a cross-field rule fail together, then both are reported', () => {
    const result = eventInputSchema.safeParse({ type: '', channel: 'sms' });
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(fieldErrorsOf(result.error).map((error) => error.path)).toEqual(expect.arrayContaining(['type', 'mobilePhone']));
    }
  });

  it.each([
    ['a type of 65 characters', { type: 'x'.repeat(65), email: 'a@example.com' }, 'type'],
    ['an externalId of 129 characters', { type: 'T', email: 'a@example.com', externalId: 'x'.repeat(129) }, 'externalId'],
    ['a phone number without +', { type: 'T', channel: 'sms', mobilePhone: '33612345678' }, 'mobilePhone'],
    ['an array as ctx', { type: 'T', email: 'a@example.com', ctx: [1, 2] }, 'ctx'],
  ])('when the event has %s, then it is refused on that field', (_what, input, path) => {
    const result = eventInputSchema.safeParse(input);
    expect(result.success).toBe(false);
    if (!result.success) expect(fieldErrorsOf(result.error).map((error) => error.path)).toEqual([path]);
  });

  it('when a batch has bad events, then errors are named by index', () => {
    const result = batchInputSchema.safeParse({ events: [{ type: 'T', email: 'a@example.com' }, { type: 'T' }] });
    expect(result.success).toBe(false);
    if (!result.success) expect(fieldErrorsOf(result.error)).toEqual([{ path: 'events.1.email', message: 'is required when channel is email' }]);
  });
});
