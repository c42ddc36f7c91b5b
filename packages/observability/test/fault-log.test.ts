import { FaultLog } from '../src';
import { capturedLogger } from '@mc/testing';

describe('FaultLog', () => {
  it('logs the first fault of each kind at once, then one line per interval with the count of that kind only', () => {
    const { logger, lines } = capturedLogger();
    const faults = new FaultLog(logger, { intervalMs: 10_000 });
    for (let index = 0; index < 1_000; index++) faults.report('smtp:451', 'delivery attempt failed', { code: 451 }, index);
    faults.report('sms:503', 'delivery attempt failed', { code: 503 }, 500);
    faults.report('smtp:451', 'delivery attempt failed', { code: 451 }, 10_500);
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toEqual([
      expect.objectContaining({ code: 451, level: 'warn' }),
      expect.objectContaining({ code: 503 }),
      expect.objectContaining({ code: 451, sameSinceLastLine: 999, lastLineMsAgo: 10_500 }),
    ]);
    expect(logged[1]).not.toHaveProperty('sameSinceLastLine');
  });
});
