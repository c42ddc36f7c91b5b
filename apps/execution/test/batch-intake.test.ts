import { orderEvent, templateVersion, waitFor, TEST_CONTROL_KEY } from '@mc/testing';
import { startExecutionHarness, type ExecutionHarness } from '../testing';

describe('POST /api/v1/events/batch (batch intake)', () => {
  let mc: ExecutionHarness;
  beforeAll(async () => {
    mc = await startExecutionHarness();
    await mc.request('PUT', '/api/v1/templates/order-confirmation', templateVersion(), TEST_CONTROL_KEY);
  });
  afterAll(() => mc.close());

  it('when a batch of 10,000 events is posted, then all are accepted in request order and every one gets linked', async () => {
    const events = Array.from({ length: 10_000 }, (_, index) => orderEvent({ externalId: `bulk-${index}` }));
    const answer = await mc.request('POST', '/api/v1/events/batch', { events });
    expect(answer.status).toBe(202);
    expect(answer.body.accepted).toBe(10_000);
    expect(answer.body.ids).toHaveLength(10_000);

    const { rows: order } = await mc.instance.db.pool.query<{ id: string; external_id: string }>(
      "SELECT id, external_id FROM events WHERE external_id IN ('bulk-0', 'bulk-4242', 'bulk-9999')",
    );
    const idOf = new Map(order.map((row) => [row.external_id, row.id]));
    expect([answer.body.ids[0], answer.body.ids[4242], answer.body.ids[9999]]).toEqual([
      idOf.get('bulk-0'),
      idOf.get('bulk-4242'),
      idOf.get('bulk-9999'),
    ]);

    await waitFor(
      async () => {
        const { rows } = await mc.instance.db.pool.query(
          "SELECT count(*)::int AS n FROM events WHERE kind = 'batch' AND status IN ('pending_delivery', 'sent') AND external_id LIKE 'bulk-%'",
        );
        return rows[0].n === 10_000;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const { rows } = await mc.instance.db.pool.query(
      "SELECT count(*)::int AS n FROM delivery_logs d JOIN events e ON e.id = d.event_id WHERE e.external_id LIKE 'bulk-%'",
    );
    expect(rows[0].n).toBe(10_000);
  });

  it('when some events of a batch are invalid, then the 400 names each bad index and nothing is stored', async () => {
    const before = await mc.instance.db.pool.query('SELECT count(*)::int AS n FROM events');
    const events = [orderEvent(), orderEvent({ email: 'nope' }), orderEvent(), { type: 'X', channel: 'sms' }];
    const answer = await mc.request('POST', '/api/v1/events/batch', { events });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'events.1.email' }),
        expect.objectContaining({ path: 'events.3.mobilePhone' }),
      ]),
    );
    expect(answer.body.errors).toHaveLength(2);
    const after = await mc.instance.db.pool.query('SELECT count(*)::int AS n FROM events');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('when a batch is empty or holds more than 10,000 events, then it is refused', async () => {
    const empty = await mc.request('POST', '/api/v1/events/batch', { events: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.errors).toEqual([expect.objectContaining({ path: 'events' })]);
    const tooMany = await mc.request('POST', '/api/v1/events/batch', {
      events: Array.from({ length: 10_001 }, () => ({ type: 'T', email: 'a@example.com' })),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors).toEqual([expect.objectContaining({ path: 'events', message: expect.stringMatching(/10000/) })]);
  });

  it('when a batch repeats externalIds already stored, then those map to the existing events and are not created again', async () => {
    const first = await mc.request('POST', '/api/v1/events/batch', { events: [orderEvent({ externalId: 'dup-a' })] });
    const second = await mc.request('POST', '/api/v1/events/batch', {
      events: [orderEvent({ externalId: 'dup-a' }), orderEvent({ externalId: 'dup-b' }), orderEvent({ externalId: 'dup-b' })],
    });
    expect(second.status).toBe(202);
    expect(second.body).toMatchObject({ accepted: 3, duplicates: 2 });
    expect(second.body.ids[0]).toBe(first.body.ids[0]);
    expect(second.body.ids[1]).toBe(second.body.ids[2]);
    const { rows } = await mc.instance.db.pool.query("SELECT count(*)::int AS n FROM events WHERE external_id IN ('dup-a', 'dup-b')");
    expect(rows[0].n).toBe(2);
  });
});
