import { AppError, UUID_PATTERN, coerceError, toProblem, uuidv7 } from '../src';

describe('uuidv7', () => {
  it('makes valid version-7 UUIDs that sort in creation order, even within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7(1_800_000_000_000));
    for (const id of ids) {
      expect(id).toMatch(UUID_PATTERN);
      expect(id[14]).toBe('7');
      expect(['8', '9', 'a', 'b']).toContain(id[19]);
    }
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('carries its millisecond timestamp in the first 48 bits', () => {
    const id = uuidv7(Date.UTC(2030, 0, 1));
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBeGreaterThanOrEqual(Date.UTC(2030, 0, 1));
  });
});

describe('errors', () => {
  it('turns an AppError into RFC 9457 problem details with its field errors', () => {
    const problem = toProblem(new AppError('validation_failed', 'bad', { fieldErrors: [{ path: 'email', message: 'is required' }] }), '/api/v1/events');
    expect(problem).toEqual({
      type: '/problems/validation-failed',
      title: 'Your request is not valid.',
      status: 400,
      detail: 'bad',
      code: 'validation_failed',
      errors: [{ path: 'email', message: 'is required' }],
      instance: '/api/v1/events',
    });
  });

  it('coerces anything thrown into an Error', () => {
    expect(coerceError('boom').message).toBe('boom');
    expect(coerceError({ a: 1 }).message).toBe('{"a":1}');
    const error = new Error('kept');
    expect(coerceError(error)).toBe(error);
  });
});
