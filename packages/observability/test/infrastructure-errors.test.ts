import { AppError } from '@mc/domain';
import { classifyError } from '../src';

describe('classifying errors', () => {
  it('when a driver error says the database is away, then it is classified unavailable (503, retryable)', () => {
    for (const thrown of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('too many clients'), { code: '53300' }),
      Object.assign(new Error("Can't reach database server"), { code: 'P1001' }),
      new Error('Connection is closed.'),
      new Error('wrapper', { cause: Object.assign(new Error('inner'), { code: 'ETIMEDOUT' }) }),
    ]) {
      expect(classifyError(thrown)).toMatchObject({ code: 'unavailable', status: 503, retryable: true });
    }
  });

  it('when an error is unknown, then it is internal and not retryable; an AppError passes through', () => {
    expect(classifyError(new TypeError('x is undefined'))).toMatchObject({ code: 'internal', status: 500, retryable: false });
    const conflict = new AppError('conflict', 'taken');
    expect(classifyError(conflict)).toBe(conflict);
  });
});
