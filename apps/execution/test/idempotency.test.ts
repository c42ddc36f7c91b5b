import { randomUUID } from 'node:crypto';
import { DAY } from '@mc/domain';
import { orderEvent, testLogger, TEST_PRODUCER_KEY } from '@mc/testing';
import { createApiKey } from '../src/api-keys/api-keys';
import { purgeArchivedEvents } from '../src/workflows/purge-archived-events';
import { claimIdempotencyKey } from '../src/sql/claim-idempotency-key';
import { recordIdempotentAnswer } from '../src/sql/record-idempotent-answer';
import { releaseIdempotencyKey } from '../src/sql/release-idempotency-key';
import { startExecutionHarness, type ExecutionHarness } from '../testing';

/** `Idempotency-Key` on the intake (IETF httpapi draft): per producer, the first answer replayed for 24 h. */
describe('Idempotency-Key on POST /api/v1/events and /events/batch', () => {
  let mc: ExecutionHarness;
  let otherProducer: string;
  beforeAll(async () => {
    mc = await startExecutionHarness({ MC_ROLE: 'api' });
    otherProducer = (await createApiKey(mc.instance.db.prisma, { name: 'billing', scopes: ['events:write', 'events:read'], producer: 'billing' })).key;
  });
  afterAll(() => mc.close());

  /** A raw push, so the answer's exact bytes can be compared. */
  async function push(path: string, body: unknown, idempotencyKey?: string, apiKey = TEST_PRODUCER_KEY) {
    const headers: Record<string, string> = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    const response = await fetch(`${mc.baseUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    return { status: response.status, text: await response.text(), headers: response.headers };
  }
  const eventsOfType = async (type: string) =>
    (await mc.instance.db.pool.query<{ count: number }>('SELECT count(*)::int AS count FROM events WHERE type = $1', [type])).rows[0]!.count;
  const keyRow = async (producer: string, key: string) =>
    (await mc.instance.db.pool.query('SELECT state, response_status FROM idempotency_keys WHERE producer = $1 AND key = $2', [producer, key])).rows[0];

  it('when the same key and body come again, then the first answer is replayed (status, body byte for byte, Location) and one event is stored', async () => {
    const body = orderEvent({ type: 'IDEM_REPLAY' });
    const first = await push('/api/v1/events', body, 'order-42-confirmation');
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const again = await push('/api/v1/events', body, 'order-42-confirmation');
    expect(again.status).toBe(202);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.headers.get('content-type')).toMatch(/^application\/json/);
    // A Structured Field string is the same key.
    expect((await push('/api/v1/events', body, '"order-42-confirmation"')).text).toBe(first.text);
    expect(await eventsOfType('IDEM_REPLAY')).toBe(1);
  });

  it('when the same key comes with another body or on the other route, then 422 and nothing is stored', async () => {
    await push('/api/v1/events', orderEvent({ type: 'IDEM_OTHER', ctx: { n: 1 } }), 'reused-key');
    const other = await push('/api/v1/events', orderEvent({ type: 'IDEM_OTHER', ctx: { n: 2 } }), 'reused-key');
    expect(other.status).toBe(422);
    expect(JSON.parse(other.text)).toMatchObject({ code: 'unprocessable', detail: expect.stringMatching(/Idempotency-Key/) });
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const batch = await push('/api/v1/events/batch', { events: [orderEvent({ type: 'IDEM_OTHER', ctx: { n: 1 } })] }, 'reused-key');
    expect(batch.status).toBe(422);
    expect(await eventsOfType('IDEM_OTHER')).toBe(1);
  });

  it('when requests with the same key run at once, then exactly one runs and the others get 409 with Retry-After, or the replay', async () => {
    const body = orderEvent({ type: 'IDEM_RACE' });
    const answers = await Promise.all(Array.from({ length: 8 }, () => push('/api/v1/events', body, 'racing-key')));
    const fresh = answers.filter((answer) => answer.status === 202 && answer.headers.get('idempotent-replayed') === null);
    expect(fresh).toHaveLength(1);
    for (const answer of answers.filter((candidate) => candidate !== fresh[0])) {
      if (answer.status === 409) {
        expect(answer.headers.get('retry-after')).toBe('1');
        expect(JSON.parse(answer.text)).toMatchObject({ code: 'conflict' });
      } else {
        expect(answer).toMatchObject({ status: 202, text: fresh[0]!.text });
        expect(answer.headers.get('idempotent-replayed')).toBe('true');
      }
    }
    expect(await eventsOfType('IDEM_RACE')).toBe(1);
  });

  it('when another producer uses the same key, then it is a key of its own', async () => {
    const body = orderEvent({ type: 'IDEM_PRODUCERS' });
    const shop = await push('/api/v1/events', body, 'shared-key');
    const billing = await push('/api/v1/events', body, 'shared-key', otherProducer);
    expect([shop.status, billing.status]).toEqual([202, 202]);
    expect(billing.headers.get('idempotent-replayed')).toBeNull();
    expect(JSON.parse(billing.text).id).not.toBe(JSON.parse(shop.text).id);
    expect(await eventsOfType('IDEM_PRODUCERS')).toBe(2);
  });

  it('when a batch is retried with its key, then its answer is replayed and its events stored once', async () => {
    const body = { events: [orderEvent({ type: 'IDEM_BATCH' }), orderEvent({ type: 'IDEM_BATCH' })] };
    const first = await push('/api/v1/events/batch', body, 'batch-1');
    const again = await push('/api/v1/events/batch', body, 'batch-1');
    expect([first.status, again.status]).toEqual([202, 202]);
    expect(again.text).toBe(first.text);
    expect(JSON.parse(again.text)).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await eventsOfType('IDEM_BATCH')).toBe(2);
  });

  it('when the header is malformed, then 400 names it and nothing is stored', async () => {
    for (const bad of ['', 'x'.repeat(256), 'clé-accentuée']) {
      const answer = await push('/api/v1/events', orderEvent({ type: 'IDEM_BAD' }), bad);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text).errors).toEqual([{ path: 'Idempotency-Key', message: expect.any(String) }]);
    }
    expect(await eventsOfType('IDEM_BAD')).toBe(0);
  });

  it('when the request is refused (400), then the key is given back and a corrected retry with it runs', async () => {
    const refused = await push('/api/v1/events', { type: 'IDEM_FIXED' }, 'fix-and-retry');
    expect(refused.status).toBe(400);
    expect(await keyRow('default', 'fix-and-retry')).toBeUndefined();
    // The same body again is refused again (not replayed as a success, not a 409).
    expect((await push('/api/v1/events', { type: 'IDEM_FIXED' }, 'fix-and-retry')).status).toBe(400);
    const corrected = await push('/api/v1/events', orderEvent({ type: 'IDEM_FIXED' }), 'fix-and-retry');
    expect(corrected.status).toBe(202);
    expect(await keyRow('default', 'fix-and-retry')).toEqual({ state: 'done', response_status: 202 });
  });

  it('when a key was left in flight by a process that died, then a retry gets 409 until its lease ends and then runs', async () => {
    const body = orderEvent({ type: 'IDEM_STALE' });
    // What the dead process left: the key claimed, no answer. Its request hash is the one a retry computes.
    await push('/api/v1/events', body, 'probe');
    const { request_hash: requestHash } = (await mc.instance.db.pool.query("SELECT request_hash FROM idempotency_keys WHERE key = 'probe'")).rows[0];
    await mc.instance.db.pool.query(
      "INSERT INTO idempotency_keys (producer, key, request_hash, locked_until) VALUES ('default', 'left-in-flight', $1, now() + interval '1 minute')",
      [requestHash],
    );
    const blocked = await push('/api/v1/events', body, 'left-in-flight');
    expect(blocked.status).toBe(409);
    await mc.instance.db.pool.query("UPDATE idempotency_keys SET locked_until = now() - interval '1 second' WHERE key = 'left-in-flight'");
    const taken = await push('/api/v1/events', body, 'left-in-flight');
    expect(taken.status).toBe(202);
    expect(taken.headers.get('idempotent-replayed')).toBeNull();
    expect(await keyRow('default', 'left-in-flight')).toEqual({ state: 'done', response_status: 202 });
  });

  it('when a request whose lease was taken over answers late, then it neither records nor gives back the claim of the request that took it', async () => {
    const { pool } = mc.instance.db;
    const base = { producer: 'default', key: 'slow-first', requestHash: 'same-body', leaseMs: 60_000, keepMs: 86_400_000 };
    expect(await claimIdempotencyKey(pool, { ...base, claimToken: 'first' })).toEqual({ claimed: true });
    await pool.query("UPDATE idempotency_keys SET locked_until = now() - interval '1 second' WHERE key = 'slow-first'");
    expect(await claimIdempotencyKey(pool, { ...base, claimToken: 'second' })).toEqual({ claimed: true });
    await recordIdempotentAnswer(pool, { producer: 'default', key: 'slow-first', claimToken: 'first', status: 202, body: '{}', location: null });
    await releaseIdempotencyKey(pool, { producer: 'default', key: 'slow-first', claimToken: 'first' });
    expect(await keyRow('default', 'slow-first')).toEqual({ state: 'in_flight', response_status: null });
    await recordIdempotentAnswer(pool, { producer: 'default', key: 'slow-first', claimToken: 'second', status: 202, body: '{"id":"x"}', location: null });
    expect(await keyRow('default', 'slow-first')).toEqual({ state: 'done', response_status: 202 });
  });

  it('when no header is sent, then nothing changes: the same body twice is two events and no key is kept', async () => {
    const before = (await mc.instance.db.pool.query('SELECT count(*)::int AS count FROM idempotency_keys')).rows[0].count;
    const body = orderEvent({ type: 'IDEM_NONE' });
    expect((await push('/api/v1/events', body)).status).toBe(202);
    expect((await push('/api/v1/events', body)).status).toBe(202);
    expect(await eventsOfType('IDEM_NONE')).toBe(2);
    expect((await mc.instance.db.pool.query('SELECT count(*)::int AS count FROM idempotency_keys')).rows[0].count).toBe(before);
  });

  it('when a key is older than 24 h, then it runs anew, and the purge job deletes such keys', async () => {
    const body = orderEvent({ type: 'IDEM_OLD' });
    await push('/api/v1/events', body, 'yesterday');
    await mc.instance.db.pool.query("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'yesterday'");
    const anew = await push('/api/v1/events', body, 'yesterday');
    expect(anew.status).toBe(202);
    expect(anew.headers.get('idempotent-replayed')).toBeNull();
    expect(await eventsOfType('IDEM_OLD')).toBe(2);

    const old = Array.from({ length: 5 }, () => randomUUID());
    for (const key of old) {
      await mc.instance.db.pool.query("INSERT INTO idempotency_keys (producer, key, request_hash, locked_until, created_at) VALUES ('default', $1, 'h', now(), now() - interval '2 days')", [key]);
    }
    await purgeArchivedEvents({ pool: mc.instance.db.pool, logger: testLogger('purge'), retentionMs: 30 * DAY, batchSize: 2 });
    const left = await mc.instance.db.pool.query('SELECT key FROM idempotency_keys WHERE key = ANY($1)', [old]);
    expect(left.rows).toEqual([]);
    expect(await keyRow('default', 'yesterday')).toEqual({ state: 'done', response_status: 202 });
  });
});
