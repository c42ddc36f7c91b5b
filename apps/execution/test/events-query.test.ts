import { batchAcceptedSchema, eventAcceptedSchema, eventPageSchema, eventViewSchema, problemSchema } from '@mc/contract';
import { orderEvent, TEST_CONTROL_KEY } from '@mc/testing';
import { startExecutionHarness, type ExecutionHarness } from '../testing';

describe('GET /api/v1/events and /api/v1/events/:id', () => {
  let mc: ExecutionHarness;
  const ids: string[] = [];
  beforeAll(async () => {
    mc = await startExecutionHarness({ MC_ROLE: 'api' });
    for (let index = 0; index < 7; index++) {
      const type = index % 2 === 0 ? 'EVEN' : 'ODD';
      const answer = await mc.request('POST', '/api/v1/events', orderEvent({ type, externalId: `q-${index}` }));
      ids.push(answer.body.id);
    }
  });
  afterAll(() => mc.close());

  it('when pages are walked with the cursor, then every event comes once, newest first', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = await mc.request('GET', `/api/v1/events?limit=3${query}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((item: { id: string }) => item.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it('when an event is read by its numeric plId, then it is the same event; plIds are positive and grow with intake', async () => {
    const byUuid = (await mc.request('GET', `/api/v1/events/${ids[2]}`)).body;
    expect(byUuid.plId).toEqual(expect.any(Number));
    expect(byUuid.plId).toBeGreaterThan(0);
    const byPlId = await mc.request('GET', `/api/v1/events/${byUuid.plId}`);
    expect(byPlId.status).toBe(200);
    expect(byPlId.body).toEqual(byUuid);
    const later = (await mc.request('GET', `/api/v1/events/${ids[3]}`)).body;
    expect(later.plId).toBeGreaterThan(byUuid.plId);
    for (const bad of ['0', '-1', '1.5', '9999999999999999999', '123456789012']) expect((await mc.request('GET', `/api/v1/events/${bad}`)).status).toBe(404);
  });

  it('when filtered by type, status or externalId, then only matching events are listed', async () => {
    const odd = await mc.request('GET', '/api/v1/events?type=ODD');
    expect(odd.body.items).toHaveLength(3);
    const pending = await mc.request('GET', '/api/v1/events?status=pending&limit=500');
    expect(pending.body.items).toHaveLength(7);
    const one = await mc.request('GET', '/api/v1/events?externalId=q-4');
    expect(one.body.items).toEqual([expect.objectContaining({ id: ids[4], externalId: 'q-4', template: null })]);
  });

  it('when the query is invalid, then the 400 lists each bad parameter', async () => {
    const answer = await mc.request('GET', '/api/v1/events?status=lost&limit=0&cursor=garbage');
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['cursor', 'limit', 'status']);
  });

  it('when an event is asked for by id, then it comes with its delivery logs; an unknown id is 404', async () => {
    const event = await mc.request('GET', `/api/v1/events/${ids[0]}`);
    expect(event.body).toMatchObject({ id: ids[0], status: 'pending', kind: 'rt', deliveries: [] });
    const unknown = await mc.request('GET', '/api/v1/events/01900000-0000-7000-8000-000000000000');
    expect(unknown.status).toBe(404);
    const malformed = await mc.request('GET', '/api/v1/events/abc');
    expect(malformed.status).toBe(404);
  });

  it('when any of these routes answers, then the answer is what the contract says a client gets', async () => {
    const conforms = (schema: { safeParse(value: unknown): { error?: unknown } }, body: unknown) => expect(schema.safeParse(body).error).toBeUndefined();
    conforms(eventAcceptedSchema, (await mc.request('POST', '/api/v1/events', orderEvent())).body);
    conforms(eventAcceptedSchema, (await mc.request('POST', '/api/v1/events', orderEvent({ externalId: 'q-0' }))).body);
    conforms(batchAcceptedSchema, (await mc.request('POST', '/api/v1/events/batch', { events: [orderEvent(), orderEvent({ externalId: 'q-1' })] })).body);
    conforms(eventPageSchema, (await mc.request('GET', '/api/v1/events?limit=2')).body);
    conforms(eventViewSchema, (await mc.request('GET', `/api/v1/events/${ids[0]}`)).body);
    for (const answer of [
      await mc.request('GET', '/api/v1/events?status=lost'),
      await mc.request('GET', '/api/v1/events/01900000-0000-7000-8000-000000000000'),
      await mc.request('POST', '/api/v1/events', { type: '' }),
      await mc.request('GET', '/api/v1/events', undefined, 'not-a-key'),
    ]) {
      conforms(problemSchema, answer.body);
    }
  });

  it('when a key without events:read asks, then the answer is 403', async () => {
    const answer = await mc.request('GET', `/api/v1/events/${ids[0]}`, undefined, TEST_CONTROL_KEY);
    expect(answer.status).toBe(403);
  });
});
