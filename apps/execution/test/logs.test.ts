import path from 'node:path';
import { startSmtpSink, type SmtpSink } from '@mc/smtp-sink';
import { orderEvent, freePort, spawnApp, waitForHealth, templateVersion, waitFor, TEST_CONTROL_KEY, TEST_PRODUCER_KEY, TEST_REDIS_URL, type SpawnedApp } from '@mc/testing';
import { startExecutionHarness, type ExecutionHarness } from '../testing';


const SECRET_CTX = 'ctx-value-that-must-never-be-logged';

describe('the logs of an execution process (JSON, debug level)', () => {
  let mc: ExecutionHarness;
  let smtp: SmtpSink;
  let app: SpawnedApp;

  beforeAll(async () => {
    smtp = await startSmtpSink({ policy: (recipient) => (recipient.startsWith('bounce') ? { code: 550, message: `no such user <${recipient}>` } : 'accept') });
    mc = await startExecutionHarness({ MC_ROLE: 'api' });
    await mc.request('PUT', '/api/v1/templates/order-confirmation', templateVersion(), TEST_CONTROL_KEY);
    await mc.request('PUT', '/api/v1/templates/otp', templateVersion({ eventType: 'OTP', channel: 'sms', text: 'Code {{ ctx.code }}' }), TEST_CONTROL_KEY);
    const port = await freePort();
    app = spawnApp(
      path.resolve(__dirname, '../src/main.ts'),
      {
        EXECUTION_DATABASE_URL: mc.database.url,
        REDIS_URL: TEST_REDIS_URL,
        MC_QUEUE_PREFIX: mc.prefix,
        EXECUTION_PORT: String(port),
        MC_API_KEY: TEST_PRODUCER_KEY,
        MC_CONTROL_CREDENTIAL: TEST_CONTROL_KEY,
        SMTP_URL: smtp.url,
        LOG_LEVEL: 'debug',
        LOG_FORMAT: 'json',
        UPDATE_EVENT_STATUS_EVERY_MS: '100',
      },
      { capture: true },
    );
    await waitForHealth(`http://127.0.0.1:${port}`, 30_000);
  });
  afterAll(async () => {
    app.kill('SIGTERM');
    await app.exited;
    await mc.close();
    await smtp.close();
  });

  it('when events are sent, bounced and fail, then no line holds ctx, an address or a credential, and event lines say which instance and queue', async () => {
    const ids = [
      (await mc.request('POST', '/api/v1/events', orderEvent({ email: 'ada.lovelace@example.com', ctx: { note: SECRET_CTX } }))).body.id,
      (await mc.request('POST', '/api/v1/events', orderEvent({ email: 'bounce.me@example.com', ctx: { note: SECRET_CTX } }))).body.id,
      (await mc.request('POST', '/api/v1/events', { type: 'OTP', channel: 'sms', mobilePhone: '+33698765432', ctx: { code: SECRET_CTX } })).body.id,
    ];
    await waitFor(async () => {
      const { rows } = await mc.instance.db.pool.query("SELECT count(*)::int AS n FROM events WHERE id = ANY($1::uuid[]) AND status IN ('sent', 'delivery_failed')", [ids]);
      return rows[0].n === 3;
    });
    const lines = app.lines;
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) {
      for (const secret of [SECRET_CTX, 'ada.lovelace@example.com', 'bounce.me@example.com', '+33698765432', TEST_PRODUCER_KEY, TEST_CONTROL_KEY]) {
        expect(line).not.toContain(secret);
      }
    }
    const aboutEvents = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => typeof entry.eventId === 'string');
    expect(aboutEvents.length).toBeGreaterThanOrEqual(3);
    for (const entry of aboutEvents) expect(entry).toMatchObject({ instance: 'local', queue: expect.any(String) });
    expect(aboutEvents.some((entry) => entry.message === 'delivery attempt failed' && entry.queue === 'rtEventsProcessing')).toBe(true);
  });
});
