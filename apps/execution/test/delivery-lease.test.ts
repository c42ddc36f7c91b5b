import { startSmtpSink, type SmtpSink } from '@mc/smtp-sink';
import { orderEvent, templateVersion, waitFor, TEST_CONTROL_KEY } from '@mc/testing';
import { startExecutionHarness, type ExecutionHarness } from '../testing';

describe('delivery leases on a slow SMTP server', () => {
  let smtp: SmtpSink;
  let mc: ExecutionHarness;
  beforeAll(async () => {
    // Each message takes longer than the lease: only renewal keeps the rows held while sending.
    smtp = await startSmtpSink({ acceptDelayMs: 150 });
    mc = await startExecutionHarness({
      SMTP_URL: smtp.url,
      SMTP_POOL_SIZE: '1',
      DELIVERY_CONCURRENCY: '1',
      DELIVERY_LEASE_MS: '120',
      DELIVERY_RETRY_SCHEDULE_MS: '50',
      UPDATE_EVENT_STATUS_EVERY_MS: '100',
    });
    await mc.request('PUT', '/api/v1/templates/order-confirmation', templateVersion(), TEST_CONTROL_KEY);
  });
  afterAll(async () => {
    await mc.close();
    await smtp.close();
  });

  it('when a duplicate job runs while the first is still sending, then no message is sent twice', async () => {
    const { body } = await mc.request('POST', '/api/v1/events/batch', { events: Array.from({ length: 8 }, () => orderEvent()) });
    // What a stalled job's re-run amounts to: a second job for the same events.
    await mc.instance.queues.batch.add('again', { eventIds: body.ids }, { jobId: 'duplicate-of-the-chunk' });
    await waitFor(
      async () => {
        const { rows } = await mc.instance.db.pool.query("SELECT count(*)::int AS n FROM events WHERE id = ANY($1::uuid[]) AND status = 'sent'", [body.ids]);
        return rows[0].n === 8;
      },
      { timeoutMs: 30_000 },
    );
    const ids = smtp.messages.map((message) => message.messageId);
    expect(ids).toHaveLength(8);
    expect(new Set(ids).size).toBe(8);
  });
});
