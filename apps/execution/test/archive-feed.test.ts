import pg from 'pg';
import { purgeArchivedEvents } from '../src/workflows/purge-archived-events';
import { orderEvent, testLogger, waitFor, TEST_CONTROL_KEY } from '@mc/testing';
import { startExecutionHarness, type ExecutionHarness } from '../testing';

describe('GET /api/v1/archive (the archive feed) and purge', () => {
  let mc: ExecutionHarness;
  beforeAll(async () => {
    // The API alone: statuses are changed by hand, so the feed's order is the test's.
    mc = await startExecutionHarness({ MC_ROLE: 'api' });
  });
  afterAll(() => mc.close());

  const feed = async (after?: string | null, limit = 1000) =>
    (await mc.request('GET', `/api/v1/archive?limit=${limit}${after ? `&after=${after}` : ''}`, undefined, TEST_CONTROL_KEY)).body;

  async function readAll(after?: string | null) {
    const ids: string[] = [];
    let cursor = after ?? null;
    for (;;) {
      const page = await feed(cursor, 3);
      ids.push(...page.events.map((event: { id: string }) => event.id));
      cursor = page.nextCursor;
      if (page.caughtUp) return { ids, cursor };
    }
  }

  it('when the feed is paged through, then every event comes once, in change order, with its delivery logs and without ctx', async () => {
    const posted: string[] = [];
    for (let index = 0; index < 8; index++) posted.push((await mc.request('POST', '/api/v1/events', orderEvent())).body.id);
    // Transactions of other databases of the cluster (other test files) can hold the horizon
    // back for a moment: the feed then serves less, never out of order.
    const ids = await waitFor(async () => {
      const all = (await readAll()).ids;
      return all.length === posted.length ? all : undefined;
    });
    expect(ids).toEqual(posted);
    const first = (await feed(null, 1)).events[0];
    expect(first).toMatchObject({ id: posted[0], status: 'pending', type: 'ORDER_CONFIRMATION', deliveries: [] });
    expect(first).not.toHaveProperty('ctx');
  });

  it('when an event changes after it was archived, then it comes again after the cursor', async () => {
    const { cursor } = await readAll();
    const { body } = await mc.request('POST', '/api/v1/events', orderEvent());
    const older = (await feed(null, 1)).events[0].id;
    await mc.instance.db.pool.query("UPDATE events SET status = 'expired' WHERE id = $1", [older]);
    const ids = await waitFor(async () => {
      const all = (await readAll(cursor)).ids;
      return all.length === 2 ? all : undefined;
    });
    expect(ids).toEqual([body.id, older]);
    expect((await feed(cursor)).events.find((event: { id: string }) => event.id === older).status).toBe('expired');
  });

  it('when a transaction that changed an event is still open, then later changes wait behind it: the cursor never skips a row', async () => {
    const { cursor } = await readAll();
    const slow = new pg.Client({ connectionString: mc.database.url });
    await slow.connect();
    try {
      const target = (await feed(null, 1)).events[0].id;
      await slow.query('BEGIN');
      await slow.query("UPDATE events SET status_reason = 'slow writer' WHERE id = $1", [target]);
      // Committed after the slow writer began, so with a later transaction id.
      const later = (await mc.request('POST', '/api/v1/events', orderEvent())).body.id;
      expect((await feed(cursor)).events).toEqual([]);
      await slow.query('COMMIT');
      const ids = await waitFor(async () => {
        const all = (await readAll(cursor)).ids;
        return all.length === 2 ? all : undefined;
      });
      expect(ids).toEqual([target, later]);
    } finally {
      await slow.end();
    }
  });

  it('when the purge runs, then it deletes only final, old-enough events the control acknowledged', async () => {
    await mc.instance.db.pool.query('DELETE FROM events');
    const purge = (retentionMs = 0) => purgeArchivedEvents({ pool: mc.instance.db.pool, logger: testLogger(), retentionMs, batchSize: 2 });
    const remaining = async () => new Set((await mc.instance.db.pool.query('SELECT id FROM events')).rows.map((row) => row.id as string));
    const [a, b, c] = [
      (await mc.request('POST', '/api/v1/events', orderEvent())).body.id,
      (await mc.request('POST', '/api/v1/events', orderEvent())).body.id,
      (await mc.request('POST', '/api/v1/events', orderEvent())).body.id,
    ];
    await mc.instance.db.pool.query("UPDATE events SET status = 'sent' WHERE id = $1", [a]);
    await mc.instance.db.pool.query("UPDATE events SET status = 'sent' WHERE id = $1", [c]);
    // Feed order: b (still pending), a, c. The control reads b and a and acknowledges them.
    await waitFor(async () => (await feed(null, 10)).events.length === 3);
    const firstTwo = await feed(null, 2);
    expect(firstTwo.events.map((event: { id: string }) => event.id)).toEqual([b, a]);
    await feed(firstTwo.nextCursor, 1);

    expect(await purge(60_000)).toBe(0);
    expect(await purge()).toBe(1);
    expect(await remaining()).toEqual(new Set([b, c]));

    // c is acknowledged, then changes again: the archived copy is stale, so it is kept.
    const rest = await feed(firstTwo.nextCursor);
    await feed(rest.nextCursor, 1);
    await mc.instance.db.pool.query("UPDATE events SET status_reason = 'changed again' WHERE id = $1", [c]);
    expect(await purge()).toBe(0);
    await waitFor(async () => (await feed(rest.nextCursor)).events.length === 1);
    const after = await feed(rest.nextCursor);
    expect(after.events.map((event: { id: string }) => event.id)).toEqual([c]);
    await feed(after.nextCursor, 1);
    expect(await purge()).toBe(1);
    expect(await remaining()).toEqual(new Set([b]));
  });

  it('when the webhook fan-out has not read an event yet, then the purge keeps it, whatever the control acknowledged', async () => {
    const { pool } = mc.instance.db;
    await pool.query('DELETE FROM events');
    const purge = () => purgeArchivedEvents({ pool, logger: testLogger(), retentionMs: 0, batchSize: 10 });
    const id = (await mc.request('POST', '/api/v1/events', orderEvent())).body.id;
    await pool.query("UPDATE events SET status = 'sent' WHERE id = $1", [id]);
    await waitFor(async () => (await feed(null, 10)).events.some((event: { id: string }) => event.id === id));
    const page = await feed(null, 10);
    await feed(page.nextCursor, 1);
    // The fan-out's cursor is still at the start of the feed (webhooks wait for it)…
    await pool.query(
      "INSERT INTO archive_acknowledgements (consumer, change_xid, event_id) VALUES ('webhooks', -1, '00000000-0000-0000-0000-000000000000') ON CONFLICT (consumer) DO UPDATE SET change_xid = -1, event_id = '00000000-0000-0000-0000-000000000000'",
    );
    expect(await purge()).toBe(0);
    // …once it has read past the event, the event goes.
    await pool.query("UPDATE archive_acknowledgements SET change_xid = (SELECT change_xid FROM events WHERE id = $1), event_id = $1 WHERE consumer = 'webhooks'", [id]);
    expect(await purge()).toBe(1);
    // Without a fan-out cursor (no worker ever ran one), nothing is waited for.
    await pool.query("DELETE FROM archive_acknowledgements WHERE consumer = 'webhooks'");
  });

  it('when the consumer reads ahead with ack, then only the pages it acknowledged can be purged', async () => {
    await mc.instance.db.pool.query('DELETE FROM events');
    const purge = () => purgeArchivedEvents({ pool: mc.instance.db.pool, logger: testLogger(), retentionMs: 0, batchSize: 10 });
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) ids.push((await mc.request('POST', '/api/v1/events', orderEvent())).body.id);
    await mc.instance.db.pool.query("UPDATE events SET status = 'sent' WHERE id = ANY($1::uuid[])", [ids]);
    await waitFor(async () => (await feed(null, 10)).events.length === 3);
    const read = async (after: string | null, ack: string | null) =>
      (await mc.request('GET', `/api/v1/archive?limit=1&ack=${ack ?? ''}${after ? `&after=${after}` : ''}`, undefined, TEST_CONTROL_KEY)).body;
    // Pages 1 and 2 read, nothing stored yet: nothing acknowledged, nothing purged.
    const first = await read(null, null);
    const second = await read(first.nextCursor, null);
    expect(await purge()).toBe(0);
    // Page 3 read while page 2 is stored: page 1 acknowledged.
    const third = await read(second.nextCursor, first.nextCursor);
    expect(third.events).toHaveLength(1);
    expect(await purge()).toBe(1);
    const remaining = (await mc.instance.db.pool.query('SELECT id FROM events')).rows.map((row) => row.id as string);
    expect(remaining.sort()).toEqual([second.events[0].id, third.events[0].id].sort());
    // An acknowledgement beyond what was served is refused, under its own name.
    const beyond = Buffer.from(`${2n ** 62n}:00000000-0000-0000-0000-000000000000`).toString('base64url');
    const refused = await mc.request('GET', `/api/v1/archive?after=${third.nextCursor}&ack=${beyond}`, undefined, TEST_CONTROL_KEY);
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ path: 'ack', message: 'is beyond what this feed has served' }]);
  });

  it('when asked with a producer key or a forged cursor, then it is refused', async () => {
    expect((await mc.request('GET', '/api/v1/archive')).status).toBe(403);
    const forged = await mc.request('GET', '/api/v1/archive?after=bm90LWEtY3Vyc29y', undefined, TEST_CONTROL_KEY);
    expect(forged.status).toBe(400);
    expect(forged.body.errors).toEqual([expect.objectContaining({ path: 'after' })]);
  });

  it('when an acknowledgement is beyond what the feed served, then it is refused and the acknowledgement stays', async () => {
    const acknowledgement = async () =>
      (await mc.instance.db.pool.query("SELECT change_xid::text AS xid, event_id::text AS id, served_change_xid::text AS served FROM archive_acknowledgements WHERE consumer = 'control'")).rows[0];
    const { cursor } = await readAll();
    await feed(cursor);
    const before = await acknowledgement();
    const far = (position: string) => Buffer.from(position).toString('base64url');
    // Far ahead, and just past the last row served (same transaction, a higher event id).
    for (const forged of [far(`${2n ** 62n}:00000000-0000-0000-0000-000000000000`), far(`${before.served}:ffffffff-ffff-ffff-ffff-ffffffffffff`)]) {
      const answer = await mc.request('GET', `/api/v1/archive?after=${forged}`, undefined, TEST_CONTROL_KEY);
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toEqual([{ path: 'after', message: 'is beyond what this feed has served' }]);
    }
    expect(await acknowledgement()).toEqual(before);
    // The cursor the feed gave still works.
    expect((await mc.request('GET', `/api/v1/archive?after=${cursor}`, undefined, TEST_CONTROL_KEY)).status).toBe(200);
  });
});
