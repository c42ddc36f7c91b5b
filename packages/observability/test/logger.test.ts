import { capturedLogger } from '@mc/testing';

describe('the logger', () => {
  it('never writes ctx, addresses or secrets, even nested', () => {
    const { logger, lines } = capturedLogger('local');
    logger.info('event received', {
      eventId: 'e-1',
      ctx: { firstName: 'Ada' },
      email: 'ada@example.com',
      nested: { authorization: 'Bearer secret-token', mobilePhone: '+33612345678' },
    });
    const line = lines.join('');
    expect(line).toContain('"eventId":"e-1"');
    expect(line).toContain('"instance":"local"');
    for (const secret of ['Ada', 'ada@example.com', 'secret-token', '+33612345678']) expect(line).not.toContain(secret);
  });
});

describe('the logger, on free text', () => {
  it('masks addresses inside messages and error texts', () => {
    const { logger, lines } = capturedLogger();
    logger.warn('send to ada@example.com failed', { error: 'SMTP 550 <bob@example.org>: no such user', to: '+33612345678' });
    const line = lines.join('');
    expect(line).not.toMatch(/ada@example\.com|bob@example\.org|\+33612345678/);
    expect(line).toContain('[email]');
    expect(line).toContain('[phone]');
  });
});

describe('the logger, at a level it does not write', () => {
  it('returns before formatting anything, for children too, and follows a level changed at run time', () => {
    const { logger, lines } = capturedLogger();
    let reads = 0;
    const meta = {
      get detail() {
        reads += 1;
        return 'costly';
      },
    };
    logger.debug('not written', meta);
    logger.child({ queue: 'rtEventsProcessing' }).debug('not written either', meta);
    expect(reads).toBe(0);
    expect(lines).toEqual([]);

    logger.level = 'debug';
    logger.child({ queue: 'rtEventsProcessing' }).debug('written now', meta);
    expect(reads).toBeGreaterThan(0);
    expect(lines.join('')).toContain('"message":"written now"');
    expect(lines.join('')).toContain('"queue":"rtEventsProcessing"');
  });
});
