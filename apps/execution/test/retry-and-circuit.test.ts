import { DEFAULT_RETRY_SCHEDULE_MS, nextAttempt } from '../src/delivery/retry-schedule';
import { TransportCircuit } from '../src/delivery/transport-circuit';
import { HOUR, MINUTE, SECOND } from '@mc/domain';
import { capturedLogger } from '@mc/testing';

describe('the retry schedule of deliveries refused for now', () => {
  const policy = { scheduleMs: DEFAULT_RETRY_SCHEDULE_MS, giveUpAfterMs: 24 * HOUR };
  const created = new Date(0);

  it('waits as mail servers do — 1 s, 10 s, 1 min, 5 min, 15 min, 1 h — then hourly, and gives up after a day or at the event expiry', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7, 8].map((attempts) => {
      const next = nextAttempt(policy, { attempts, triesSince: created, eventExpiresAt: null }, 1_000);
      return 'at' in next ? next.at.getTime() - 1_000 : next.giveUp;
    });
    expect(waits).toEqual([1 * SECOND, 10 * SECOND, 1 * MINUTE, 5 * MINUTE, 15 * MINUTE, 1 * HOUR, 1 * HOUR, 1 * HOUR]);
    expect(nextAttempt(policy, { attempts: 30, triesSince: created, eventExpiresAt: null }, 23.5 * HOUR)).toEqual({ giveUp: 'not sent within 24 h' });
    expect(nextAttempt(policy, { attempts: 3, triesSince: created, eventExpiresAt: new Date(30 * SECOND) }, 1_000)).toEqual({ giveUp: 'its event expired before it could be sent' });
    expect(nextAttempt({ ...policy, maxAttempts: 2 }, { attempts: 2, triesSince: created, eventExpiresAt: null })).toEqual({ giveUp: 'DELIVERY_MAX_ATTEMPTS reached' });
  });
});

describe('the circuit of a transport', () => {
  it('opens on a transport failure, lets one probe through after a doubling capped backoff, and closes when the transport answers', () => {
    const { logger, lines } = capturedLogger();
    const circuit = new TransportCircuit({ label: 'SMTP mail.example:25', logger, firstProbeMs: 1_000, maxProbeMs: 4_000, reportEveryMs: 10_000 });
    expect(circuit.gate(0)).toEqual({ open: false });
    expect(circuit.unreachable('ECONNREFUSED', 0)).toEqual(new Date(1_000));
    expect(circuit.gate(500)).toMatchObject({ open: true });
    expect(circuit.gate(1_000)).toEqual({ open: false });
    // Only one probe at a time.
    expect(circuit.gate(1_001)).toMatchObject({ open: true });
    expect(circuit.unreachable('ECONNREFUSED', 1_100)).toEqual(new Date(3_100));
    expect(circuit.gate(3_100)).toEqual({ open: false });
    expect(circuit.unreachable('ECONNREFUSED', 3_200)).toEqual(new Date(7_200));
    expect(circuit.gate(7_200)).toEqual({ open: false });
    expect(circuit.unreachable('ECONNREFUSED', 7_300)).toEqual(new Date(11_300));
    // Refused sends, ten seconds after it opened: one line says it is still down, with a count.
    expect(circuit.gate(11_000)).toMatchObject({ open: true });
    expect(circuit.gate(12_000)).toEqual({ open: false });
    circuit.reachable(12_100);
    expect(circuit.isOpen).toBe(false);
    expect(circuit.gate(12_200)).toEqual({ open: false });
    const messages = lines.map((line) => (JSON.parse(line) as { message: string }).message);
    expect(messages).toEqual([
      'SMTP mail.example:25 is unreachable; deliveries paused, probing until it answers',
      'SMTP mail.example:25 still unreachable; deliveries paused',
      'SMTP mail.example:25 is back; sending resumes',
    ]);
  });
});
