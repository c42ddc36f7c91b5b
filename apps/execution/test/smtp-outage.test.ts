import { startSmtpSink, type SmtpSink } from '@mc/smtp-sink';
import { capturedLogger, orderEvent, templateVersion, waitFor, TEST_CONTROL_KEY } from '@mc/testing';
import { startExecutionHarness, type ExecutionHarness } from '../testing';

const EVENTS = 300;

/**
 * The SMTP server goes away under load and comes back: the circuit opens, messages wait with
 * their attempts intact (at most 3 here — an outage that spent them would fail every one), and
 * when the server answers again every message is sent. The log says so in a few lines.
 */
describe('an SMTP outage under load', () => {
  let smtp: SmtpSink;
  let mc: ExecutionHarness;
  beforeAll(async () => {
    smtp = await startSmtpSink({ keep: EVENTS * 2 });
    mc = await startExecutionHarness({ MC_ROLE: 'api', SMTP_URL: smtp.url });
    await mc.request('PUT', '/api/v1/templates/order-confirmation', templateVersion(), TEST_CONTROL_KEY);
  });
  afterAll(async () => {
    await mc.close();
    await smtp.close();
  });

  it('when the server is down for a while, then every message is sent once it is back, no attempt spent, and the log has a few lines', async () => {
    const worker = capturedLogger();
    await mc.startSibling({ MC_ROLE: 'worker', DELIVERY_MAX_ATTEMPTS: '3', CIRCUIT_PROBE_MAX_MS: '1000', UPDATE_EVENT_STATUS_EVERY_MS: '200' }, worker.logger);
    const port = smtp.port;
    const ids: string[] = [];
    const post = async (count: number) => {
      for (let index = 0; index < count; index++) ids.push((await mc.request('POST', '/api/v1/events', orderEvent())).body.id);
    };
    await post(50);
    await waitFor(() => smtp.receivedCount >= 50);

    // The outage: the server stops, events keep coming.
    await smtp.close();
    const outageStarted = Date.now();
    await post(EVENTS - 50);
    await waitFor(() => Date.now() - outageStarted > 6_000, { timeoutMs: 10_000, intervalMs: 200 });
    const duringOutage = await mc.instance.db.pool.query("SELECT count(*)::int AS n FROM events WHERE status = 'delivery_failed'");
    expect(duringOutage.rows[0].n).toBe(0);

    smtp = await startSmtpSink({ port, keep: EVENTS * 2 });
    await waitFor(
      async () => (await mc.instance.db.pool.query("SELECT count(*)::int AS n FROM events WHERE status = 'sent'")).rows[0].n === EVENTS,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const { rows } = await mc.instance.db.pool.query('SELECT max(attempts)::int AS most FROM delivery_logs');
    expect(rows[0].most).toBe(1);
    expect(new Set(smtp.messages.map((message) => message.messageId)).size).toBe(EVENTS - 50);

    const lines = worker.lines.map((line) => JSON.parse(line) as { message: string });
    expect(lines.some((line) => /^SMTP 127\.0\.0\.1:\d+ is unreachable; deliveries paused/.test(line.message))).toBe(true);
    expect(lines.some((line) => /^SMTP 127\.0\.0\.1:\d+ is back; sending resumes/.test(line.message))).toBe(true);
    expect(lines.length).toBeLessThan(30);
  }, 60_000);
});
