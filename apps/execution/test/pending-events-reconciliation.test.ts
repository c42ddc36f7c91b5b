import { orderEvent, templateVersion, waitFor, TEST_CONTROL_KEY, TEST_REDIS_URL } from '@mc/testing';
import { linkingContext, startExecutionHarness, type ExecutionHarness } from '../testing';
import { UnrecoverableError, Worker } from 'bullmq';
import { reconcilePendingEvents } from '../src/workflows/pending-events-reconciliation';
import { linkEvents } from '../src/workflows/event-linking';

describe('pending-events reconciliation', () => {
  let mc: ExecutionHarness;
  beforeAll(async () => {
    // The API alone: events are stored and queued, nothing consumes them yet.
    mc = await startExecutionHarness({ MC_ROLE: 'api' });
    await mc.request('PUT', '/api/v1/templates/order-confirmation', templateVersion(), TEST_CONTROL_KEY);
  });
  afterAll(() => mc.close());

  it('when the queues lost their jobs, then the reconciler queues every pending event again and workers link them all', async () => {
    const realtime = await Promise.all(Array.from({ length: 20 }, () => mc.request('POST', '/api/v1/events', orderEvent())));
    const batch = await mc.request('POST', '/api/v1/events/batch', { events: Array.from({ length: 1200 }, () => orderEvent()) });
    expect(batch.status).toBe(202);
    // Real-time events go one job per intake group: 20 concurrent requests, 20 events carried.
    const carriedBy = async (queue: typeof mc.instance.queues.rt | typeof mc.instance.queues.batch) =>
      (await queue.getWaiting(0, -1)).flatMap((job) => job.data.eventIds);
    expect(new Set(await carriedBy(mc.instance.queues.rt))).toEqual(new Set(realtime.map((answer) => answer.body.id)));
    expect(await mc.instance.queues.batch.getWaitingCount()).toBe(3);

    // What a Redis restart without persistence does to the queues.
    await mc.instance.queues.rt.obliterate({ force: true });
    await mc.instance.queues.batch.obliterate({ force: true });
    expect(await mc.instance.queues.rt.getWaitingCount()).toBe(0);

    const { checked, requeued } = await reconcilePendingEvents({ ...mc.instance.reconciliation, graceMs: 0 });
    expect(checked).toBe(1220);
    expect(requeued).toBe(1220);
    // A lost job may be split over pages of the scan; every event is carried by exactly one job.
    const rtCarried = await carriedBy(mc.instance.queues.rt);
    expect(rtCarried).toHaveLength(20);
    expect(new Set(rtCarried)).toEqual(new Set(realtime.map((answer) => answer.body.id)));
    const carried = await carriedBy(mc.instance.queues.batch);
    expect(carried).toHaveLength(1200);
    expect(new Set(carried)).toEqual(new Set(batch.body.ids));

    // Jobs that exist are left alone: a second pass queues nothing.
    const again = await reconcilePendingEvents({ ...mc.instance.reconciliation, graceMs: 0 });
    expect(again.requeued).toBe(0);

    await mc.startSibling({ MC_ROLE: 'worker', EXECUTION_PORT: '0' });
    // Until nothing is pending; then every event must be linked (a refusal shows with its reason).
    await waitFor(
      async () => {
        const { rows } = await mc.instance.db.pool.query("SELECT count(*)::int AS n FROM events WHERE status = 'pending'");
        return rows[0].n === 0;
      },
      { timeoutMs: 30_000 },
    );
    const outcomes = await mc.instance.db.pool.query(
      "SELECT CASE WHEN status IN ('pending_delivery', 'sent') THEN 'linked' ELSE status || ': ' || coalesce(status_reason, '') END AS outcome, count(*)::int AS n FROM events GROUP BY 1",
    );
    expect(outcomes.rows).toEqual([{ outcome: 'linked', n: 1220 }]);
    const ids = realtime.map((answer) => answer.body.id as string);
    const { rows } = await mc.instance.db.pool.query('SELECT count(*)::int AS n FROM delivery_logs WHERE event_id = ANY($1::uuid[])', [ids]);
    expect(rows[0].n).toBe(20);
  });

  it('when a pending event is younger than the grace period, then the reconciler leaves it alone', async () => {
    await mc.request('POST', '/api/v1/events', orderEvent());
    await mc.instance.queues.rt.obliterate({ force: true });
    const result = await reconcilePendingEvents({ ...mc.instance.reconciliation, graceMs: 60_000 });
    expect(result).toEqual({ checked: 0, requeued: 0 });
  });

  it('when Redis is unreachable at intake, then the event is still stored and acknowledged for the reconciler to queue', async () => {
    const producer = mc.instance.queues.rt;
    const originalAddBulk = producer.addBulk.bind(producer);
    // Redis going away is simulated at the client: the enqueue after the commit fails.
    producer.addBulk = () => Promise.reject(new Error('Connection is closed.'));
    try {
      const answer = await mc.request('POST', '/api/v1/events', orderEvent({ externalId: 'while-redis-down' }));
      expect(answer.status).toBe(202);
    } finally {
      producer.addBulk = originalAddBulk;
    }
    const { rows } = await mc.instance.db.pool.query("SELECT status FROM events WHERE external_id = 'while-redis-down'");
    expect(rows[0].status).toBe('pending');
    const { requeued } = await reconcilePendingEvents({ ...mc.instance.reconciliation, graceMs: 0 });
    expect(requeued).toBeGreaterThanOrEqual(1);
  });
});

describe('pending-events reconciliation of finished jobs', () => {
  let mc: ExecutionHarness;
  beforeAll(async () => {
    mc = await startExecutionHarness({ MC_ROLE: 'api' });
  });
  afterAll(() => mc.close());

  it("when a pending event's job failed for good (a worker stalled twice), then the reconciler queues it again", async () => {
    const { body } = await mc.request('POST', '/api/v1/events', orderEvent());
    const redis = new URL(TEST_REDIS_URL);
    const failing = new Worker(mc.instance.queues.rt.name, () => Promise.reject(new UnrecoverableError('stalled too often')), {
      connection: { host: redis.hostname, port: Number(redis.port || 6379) },
      prefix: mc.prefix,
    });
    await waitFor(async () => (await mc.instance.queues.rt.getJob(body.id))?.isFailed());
    await failing.close();

    const { requeued } = await reconcilePendingEvents({ ...mc.instance.reconciliation, graceMs: 0 });
    expect(requeued).toBeGreaterThanOrEqual(1);
    // Queued again under a new job id, recorded on the event.
    const { rows } = await mc.instance.db.pool.query<{ job_id: string }>('SELECT job_id FROM events WHERE id = $1', [body.id]);
    expect(rows[0]?.job_id).not.toBe(body.id);
    const again = await mc.instance.queues.rt.getJob(rows[0]?.job_id as string);
    expect(again?.data.eventIds).toEqual([body.id]);
    expect(await again?.getState()).toBe('waiting');
  });

  it("when a linked event's delivery was left unsent by a job that died, then the reconciler queues it again and it is sent", async () => {
    await mc.request('PUT', '/api/v1/templates/order-confirmation', templateVersion(), TEST_CONTROL_KEY);
    const { body } = await mc.request('POST', '/api/v1/events', orderEvent());
    // What a worker killed twice leaves behind: linked, delivery pending, its lease over, no job.
    await linkEvents(linkingContext(mc, { lease: { holder: 'a-worker-that-died', ms: 1 } }), [body.id]);
    await mc.instance.queues.rt.obliterate({ force: true });
    const { requeued } = await reconcilePendingEvents({ ...mc.instance.reconciliation, graceMs: 0 });
    expect(requeued).toBeGreaterThanOrEqual(1);
    await mc.startSibling({ MC_ROLE: 'worker', UPDATE_EVENT_STATUS_EVERY_MS: '100' });
    await waitFor(async () => (await mc.request('GET', `/api/v1/events/${body.id}`)).body.status === 'sent');
  });
});
