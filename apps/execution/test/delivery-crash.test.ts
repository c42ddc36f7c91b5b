import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startSmtpSink, type SmtpSink } from '@mc/smtp-sink';
import { capturedLogger, orderEvent, spawnApp, templateVersion, waitFor, TEST_CONTROL_KEY, TEST_REDIS_URL } from '@mc/testing';
import { startExecutionHarness, type ExecutionHarness } from '../testing';

const EVENTS = 3000;
const DELIVERY_CONCURRENCY = 10;
const BATCH_WORKER_CONCURRENCY = 2;
/** Sends that can be in flight in one worker process: the most a kill can leave unrecorded. */
const MAX_IN_FLIGHT = DELIVERY_CONCURRENCY * BATCH_WORKER_CONCURRENCY;

const WORKER_SETTINGS = {
  MC_ROLE: 'worker',
  BATCH_WORKER_CONCURRENCY: String(BATCH_WORKER_CONCURRENCY),
  DELIVERY_CONCURRENCY: String(DELIVERY_CONCURRENCY),
  // Short locks and leases, so the survivors take over the dead worker's jobs quickly.
  JOB_LOCK_MS: '1500',
  DELIVERY_LEASE_MS: '1500',
  DELIVERY_RETRY_SCHEDULE_MS: '100',
  UPDATE_EVENT_STATUS_EVERY_MS: '200',
};

describe('a worker killed (SIGKILL) in the middle of a batch', () => {
  let smtp: SmtpSink;
  let mc: ExecutionHarness;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    // A slow server keeps sends in flight, so the kill lands in the middle of them.
    smtp = await startSmtpSink({ acceptDelayMs: 2, keep: EVENTS * 2 });
    mc = await startExecutionHarness({ MC_ROLE: 'api', SMTP_URL: smtp.url });
    await mc.request('PUT', '/api/v1/templates/order-confirmation', templateVersion(), TEST_CONTROL_KEY);
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await mc.close();
    await smtp.close();
  });

  it('then no event is lost, every event ends sent, and no message is sent twice outside the in-flight window', async () => {
    const worker = spawnApp(path.resolve(__dirname, '../src/main.ts'), {
      ...WORKER_SETTINGS,
      EXECUTION_DATABASE_URL: mc.database.url,
      REDIS_URL: TEST_REDIS_URL,
      MC_QUEUE_PREFIX: mc.prefix,
      SMTP_URL: smtp.url,
      LOG_LEVEL: 'error',
    });
    child = worker;
    const events = Array.from({ length: EVENTS }, (_, index) => orderEvent({ email: `crash-${index}@example.com` }));
    const { status, body } = await mc.request('POST', '/api/v1/events/batch', { events });
    expect(status).toBe(202);

    await waitFor(() => smtp.receivedCount >= EVENTS / 5, { timeoutMs: 60_000 });
    worker.kill('SIGKILL');
    await worker.exited;
    const sentBeforeKill = smtp.receivedCount;
    expect(sentBeforeKill).toBeLessThan(EVENTS);

    // Another worker process takes over (in this process, on the same database and queues).
    const survivor = capturedLogger();
    await mc.startSibling(WORKER_SETTINGS, survivor.logger);
    await waitFor(
      async () => {
        const { rows } = await mc.instance.db.pool.query("SELECT count(*)::int AS n FROM events WHERE id = ANY($1::uuid[]) AND status = 'sent'", [body.ids]);
        return rows[0].n === EVENTS;
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );

    const perMessageId = new Map<string, number>();
    for (const message of smtp.messages) perMessageId.set(message.messageId ?? '', (perMessageId.get(message.messageId ?? '') ?? 0) + 1);
    expect(perMessageId.size).toBe(EVENTS);
    const duplicates = smtp.receivedCount - EVENTS;
    expect(duplicates).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    const { rows } = await mc.instance.db.pool.query(
      "SELECT count(*)::int AS n FROM delivery_logs WHERE event_id = ANY($1::uuid[]) AND status = 'sent' AND provider_message_id IS NOT NULL",
      [body.ids],
    );
    expect(rows[0].n).toBe(EVENTS);

    // The survivor says whose deliveries it took over once that worker's lease ended.
    const takeovers = survivor.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => String(line.message).startsWith('took over deliveries'));
    expect(takeovers.length).toBeGreaterThan(0);
    expect(takeovers[0]).toMatchObject({ level: 'warn', previousWorker: expect.stringMatching(/\/\d+\//), deliveries: expect.any(Number) });
  });
});
