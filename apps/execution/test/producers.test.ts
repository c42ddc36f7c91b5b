import { createApiKey } from '../src/api-keys/api-keys';
import { orderEvent, TEST_PRODUCER_KEY } from '@mc/testing';
import { startExecutionHarness, type ExecutionHarness } from '../testing';

/** Every event belongs to the producer of the key that pushed it; a key sees only its producer's events. */
describe('producers own their events', () => {
  let mc: ExecutionHarness;
  let shopWriter: string;
  let shopReader: string;
  let billing: string;
  let operator: string;
  beforeAll(async () => {
    mc = await startExecutionHarness({ MC_ROLE: 'api' });
    const create = async (name: string, scopes: Parameters<typeof createApiKey>[1]['scopes'], producer?: string) =>
      (await createApiKey(mc.instance.db.prisma, { name, scopes, producer })).key;
    shopWriter = await create('shop-writer', ['events:write'], 'shop');
    shopReader = await create('shop-reader', ['events:read'], 'shop');
    billing = await create('billing', ['events:write', 'events:read']);
    operator = await create('ops-dashboard', ['events:read:all'], 'ops');
  });
  afterAll(() => mc.close());

  it('when a write-only key repeats an externalId, then the answer is only {id, status, kind}: no address, ctx or delivery log', async () => {
    const first = await mc.request('POST', '/api/v1/events', orderEvent({ externalId: 'order-7', email: 'secret@example.com', ctx: { card: '4242' } }), shopWriter);
    expect(first.status).toBe(202);
    const again = await mc.request('POST', '/api/v1/events', orderEvent({ externalId: 'order-7' }), shopWriter);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ id: first.body.id, status: 'pending', kind: 'rt' });
    expect(again.headers.get('location')).toBe(`/api/v1/events/${first.body.id}`);
  });

  it("when another producer uses the same externalId, then it gets an event of its own and cannot see the other's", async () => {
    const shop = await mc.request('POST', '/api/v1/events', orderEvent({ externalId: 'shared-id' }), shopWriter);
    const other = await mc.request('POST', '/api/v1/events', orderEvent({ externalId: 'shared-id' }), billing);
    expect([shop.status, other.status]).toEqual([202, 202]);
    expect(other.body.id).not.toBe(shop.body.id);
    const batch = await mc.request('POST', '/api/v1/events/batch', { events: [orderEvent({ externalId: 'shared-id' }), orderEvent({ externalId: 'batch-new' })] }, billing);
    expect(batch.body).toMatchObject({ accepted: 2, duplicates: 1, ids: [other.body.id, expect.any(String)] });

    expect((await mc.request('GET', `/api/v1/events/${shop.body.id}`, undefined, billing)).status).toBe(404);
    expect((await mc.request('GET', `/api/v1/events/${shop.body.id}`, undefined, shopReader)).body).toMatchObject({ id: shop.body.id, producer: 'shop' });
    expect((await mc.request('GET', `/api/v1/events/${other.body.id}`, undefined, billing)).body).toMatchObject({ producer: 'billing' });
  });

  it("when a producer lists events, then it sees only its own; events:read:all sees every producer's and can filter by one", async () => {
    const billingIds = (await mc.request('GET', '/api/v1/events?limit=500', undefined, billing)).body.items.map((event: { producer: string }) => event.producer);
    expect(new Set(billingIds)).toEqual(new Set(['billing']));
    expect((await mc.request('GET', '/api/v1/events?producer=shop', undefined, billing)).body.items).toEqual([]);
    const shopOnly = await mc.request('GET', '/api/v1/events?externalId=shared-id', undefined, shopReader);
    expect(shopOnly.body.items.map((event: { producer: string }) => event.producer)).toEqual(['shop']);

    const all = await mc.request('GET', '/api/v1/events?externalId=shared-id', undefined, operator);
    expect(all.body.items.map((event: { producer: string }) => event.producer).sort()).toEqual(['billing', 'shop']);
    const filtered = await mc.request('GET', '/api/v1/events?externalId=shared-id&producer=billing', undefined, operator);
    expect(filtered.body.items.map((event: { producer: string }) => event.producer)).toEqual(['billing']);
    expect((await mc.request('POST', '/api/v1/events', orderEvent(), operator)).status).toBe(403);
  });

  it('when the bootstrap key pushes an event, then it belongs to the producer "default"', async () => {
    const posted = await mc.request('POST', '/api/v1/events', orderEvent(), TEST_PRODUCER_KEY);
    expect((await mc.request('GET', `/api/v1/events/${posted.body.id}`, undefined, TEST_PRODUCER_KEY)).body.producer).toBe('default');
    expect((await mc.request('GET', `/api/v1/events/${posted.body.id}`, undefined, shopReader)).status).toBe(404);
  });
});
