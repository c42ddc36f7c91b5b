import { runArchiving, ExecutionClient } from '@mc/control';
import { orderEvent, waitFor, TEST_CONTROL_KEY, TEST_PRODUCER_KEY } from '@mc/testing';
import { eventWithStatus, startExecutionHarness, type ExecutionHarness } from '@mc/execution/testing';
import { startControlHarness, type ControlHarness } from '@mc/control/testing';

const DRAFT = {
  eventType: 'ORDER_CONFIRMATION',
  channel: 'email',
  subject: 'Order {{ ctx.orderId }}',
  html: '<p>Hi {{ ctx.firstName }}</p>',
  text: 'Hi {{ ctx.firstName }}',
};

describe('the control instance with two execution instances', () => {
  let control: ControlHarness;
  let east: ExecutionHarness;
  let west: ExecutionHarness;

  beforeAll(async () => {
    [control, east, west] = await Promise.all([
      startControlHarness(),
      startExecutionHarness({ MC_INSTANCE_NAME: 'east', UPDATE_EVENT_STATUS_EVERY_MS: '100' }),
      startExecutionHarness({ MC_INSTANCE_NAME: 'west', UPDATE_EVENT_STATUS_EVERY_MS: '100' }),
    ]);
  });
  afterAll(async () => {
    await control.close();
    await Promise.all([east.close(), west.close()]);
  });

  const register = (name: string, mc: ExecutionHarness, credential = TEST_CONTROL_KEY) =>
    control.request('POST', '/api/v1/execution-instances', { name, url: mc.baseUrl, credential });
  const archive = (name: string) => runArchiving(control.control.services.archiving, name);
  const schedulerKeys = async () => (await control.control.services.queues.archiving.getJobSchedulers(0, -1)).map((scheduler) => scheduler.key).sort();

  it('when an instance is registered, then its connection is tested, its archiving scheduler exists and it has run once', async () => {
    const refused = await register('east', east, 'mc_not_the_right_credential_000');
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: 'credential' })]);
    const unreachable = await control.request('POST', '/api/v1/execution-instances', { name: 'nowhere', url: 'http://127.0.0.1:1', credential: TEST_CONTROL_KEY });
    expect(unreachable.status).toBe(400);
    expect(unreachable.body.errors).toEqual([expect.objectContaining({ path: 'url' })]);

    const created = await register('east', east);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'east', url: east.baseUrl, lastRunAt: expect.any(String), lastError: null });
    expect(created.body).not.toHaveProperty('credential');
    expect((await register('west', west)).status).toBe(201);
    expect((await register('west', west)).status).toBe(409);
    expect(await schedulerKeys()).toEqual(['archive-east', 'archive-west']);
    const listed = await control.request('GET', '/api/v1/execution-instances');
    expect(listed.body.items.map((item: { name: string }) => item.name)).toEqual(['east', 'west']);
  });

  it('when a template is published, then both instances get the new version and use it for their events', async () => {
    const bad = await control.request('PUT', '/api/v1/templates/order', { ...DRAFT, html: '{% if x %}' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'html', message: expect.stringMatching(/line:1, col:1/) }]);
    expect((await control.request('PUT', '/api/v1/templates/order', DRAFT)).status).toBe(200);
    const preview = await control.request('POST', '/api/v1/templates/order/preview', { ctx: { firstName: '<Ada>', orderId: 7 } });
    expect(preview.body).toEqual({ subject: 'Order 7', html: '<p>Hi &lt;Ada&gt;</p>', text: 'Hi <Ada>', headers: null });

    const first = await control.request('POST', '/api/v1/templates/order/publish');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ version: 1, publications: [{ instance: 'east', state: 'done' }, { instance: 'west', state: 'done' }] });
    // Version 2 sets its own From and a List-Unsubscribe: they travel with it.
    const headers = { from: 'Shop Orders <orders@shop.example>', replyTo: null, listUnsubscribe: 'https://shop.example/u/{{ ctx.orderId }}' };
    expect((await control.request('PUT', '/api/v1/templates/order', { ...DRAFT, subject: 'Your order {{ ctx.orderId }}', ...headers })).body).toMatchObject(headers);
    const previewed = await control.request('POST', '/api/v1/templates/order/preview', { ctx: { orderId: 7 } });
    expect(previewed.body.headers).toEqual({ from: 'Shop Orders <orders@shop.example>', listUnsubscribe: 'https://shop.example/u/7' });
    const second = await control.request('POST', '/api/v1/templates/order/publish');
    expect(second.body.version).toBe(2);

    for (const mc of [east, west]) {
      const templates = await mc.request('GET', '/api/v1/templates', undefined, TEST_CONTROL_KEY);
      expect(templates.body.items).toEqual([expect.objectContaining({ name: 'order', version: 2, subject: 'Your order {{ ctx.orderId }}', ...headers })]);
      const { body } = await mc.request('POST', '/api/v1/events', orderEvent(), TEST_PRODUCER_KEY);
      const event = await eventWithStatus(mc, body.id, 'sent');
      expect(event.template).toEqual({ name: 'order', version: 2 });
    }
  });

  it('when another template claims the same event type and channel, then publishing it is a conflict', async () => {
    await control.request('PUT', '/api/v1/templates/order-copy', DRAFT);
    const conflict = await control.request('POST', '/api/v1/templates/order-copy/publish');
    expect(conflict.status).toBe(409);
    // What counts is what is published, not the rival's draft: editing it changes nothing.
    await control.request('PUT', '/api/v1/templates/order', { ...DRAFT, eventType: 'SOMETHING_ELSE' });
    expect((await control.request('POST', '/api/v1/templates/order-copy/publish')).status).toBe(409);
    await control.request('PUT', '/api/v1/templates/order', { ...DRAFT, subject: 'Your order {{ ctx.orderId }}' });
  });

  it('when events happen on both instances, then they are archived on control with their final statuses, and later changes too', async () => {
    const ids: Record<string, string[]> = { east: [], west: [] };
    for (const [name, mc] of [['east', east], ['west', west]] as const) {
      for (let index = 0; index < 5; index++) ids[name]?.push((await mc.request('POST', '/api/v1/events', orderEvent())).body.id);
      ids[name]?.push((await mc.request('POST', '/api/v1/events', orderEvent({ type: 'NO_TEMPLATE' }))).body.id);
      for (const id of ids[name] ?? []) await eventWithStatus(mc, id, ['sent', 'not_taken_into_account']);
    }
    // Archiving serves only what no running transaction of the cluster can still precede.
    const archived = await waitFor(async () => {
      await Promise.all([archive('east'), archive('west')]);
      const page = await control.request('GET', '/api/v1/archive/events?limit=1000');
      const all = new Set(page.body.items.filter((item: { status: string }) => item.status !== 'pending' && item.status !== 'pending_delivery').map((item: { id: string }) => item.id));
      return [...(ids.east ?? []), ...(ids.west ?? [])].every((id) => all.has(id)) ? page : undefined;
    });
    const byInstance = (name: string) => archived.body.items.filter((item: { instance: string }) => item.instance === name);
    expect(byInstance('east').length).toBeGreaterThanOrEqual(6);
    expect(byInstance('west').length).toBeGreaterThanOrEqual(6);
    const eastEvent = archived.body.items.find((item: { id: string }) => item.id === ids.east?.[0]);
    expect(eastEvent).toMatchObject({ instance: 'east', producer: 'default', status: 'sent', templateName: 'order', sentAt: expect.any(String) });
    expect((await control.request('GET', '/api/v1/archive/events?producer=someone-else')).body.items).toEqual([]);

    // A status that changes after archiving is updated on control.
    await east.instance.db.pool.query("UPDATE events SET status_reason = 'looked at again' WHERE id = $1", [ids.east?.[0]]);
    await waitFor(async () => {
      await archive('east');
      const again = await control.request('GET', `/api/v1/archive/events?instance=east&status=sent&limit=1000`);
      return again.body.items.find((item: { id: string }) => item.id === ids.east?.[0]).statusReason === 'looked at again';
    });
    // Archived again after its change, the event still counts once.
    const distinct = Number((await control.control.db.pool.query("SELECT count(*) AS n FROM archived_events WHERE instance = 'east'")).rows[0].n);
    const account = (await control.request('GET', '/api/v1/execution-instances')).body.items.find((item: { name: string }) => item.name === 'east');
    expect(account.archivedEvents).toBe(distinct);
    expect(await (await fetch(`${control.baseUrl}/metrics`)).text()).toContain(`mc_archived_events{mc_instance="east"} ${distinct}`);

    const summary = await control.request('GET', '/api/v1/reports/summary');
    expect(summary.body.counts).toEqual(
      expect.arrayContaining([
        { instance: 'east', type: 'NO_TEMPLATE', status: 'not_taken_into_account', count: 1 },
        { instance: 'west', type: 'NO_TEMPLATE', status: 'not_taken_into_account', count: 1 },
      ]),
    );
    expect(summary.body.processingTime).toEqual([expect.objectContaining({ type: 'ORDER_CONFIRMATION', p50Ms: expect.any(Number), p99Ms: expect.any(Number) })]);
  });

  it('when archiving is interrupted between reading a page and saving it, then the next run leaves no duplicate and no gap', async () => {
    for (let index = 0; index < 7; index++) await west.request('POST', '/api/v1/events', orderEvent());
    const before = await control.control.db.pool.query("SELECT archive_cursor FROM execution_instances WHERE name = 'west'");
    // A run that "crashed": it read a page (acknowledging the previous cursor) but saved nothing.
    await new ExecutionClient({ url: west.baseUrl, credential: TEST_CONTROL_KEY }, { timeoutMs: 5000 }).readArchive(before.rows[0].archive_cursor, before.rows[0].archive_cursor, 3);
    const { rows: source } = await west.instance.db.pool.query('SELECT count(*)::int AS n FROM events');
    await waitFor(async () => {
      await archive('west');
      const { rows: archived } = await control.control.db.pool.query("SELECT count(*)::int AS n FROM archived_events WHERE instance = 'west'");
      return archived[0].n === source[0].n;
    });
    const { rows: duplicates } = await control.control.db.pool.query(
      "SELECT count(*)::int AS n FROM (SELECT id FROM archived_events WHERE instance = 'west' GROUP BY id HAVING count(*) > 1) d",
    );
    expect(duplicates[0].n).toBe(0);
  });

  it('when three control processes start at once, then each account still has exactly one scheduler', async () => {
    await Promise.all([control.startSibling(), control.startSibling(), control.startSibling()]);
    expect(await schedulerKeys()).toEqual(['archive-east', 'archive-west']);
  });

  it('when a control process starts, then publications left unfinished are queued again', async () => {
    const state = async () =>
      (await control.control.db.pool.query("SELECT state FROM publications WHERE template_name = 'order' AND instance = 'east'")).rows[0].state as string;
    await control.control.db.pool.query("UPDATE publications SET state = 'failed', last_error = 'lost with Redis' WHERE template_name = 'order' AND instance = 'east'");
    expect(await state()).toBe('failed');
    await control.startSibling();
    await waitFor(async () => (await state()) === 'done');
  });

  it('when a control process starts, then schedulers of accounts that are gone are removed and missing ones created', async () => {
    const queue = control.control.services.queues.archiving;
    await queue.upsertJobScheduler('archive-ghost', { every: 3_600_000 }, { name: 'archive', data: { instance: 'ghost' } });
    await queue.removeJobScheduler('archive-west');
    await control.startSibling();
    expect(await schedulerKeys()).toEqual(['archive-east', 'archive-west']);
  });

  it('when an instance is registered later, then it receives every template published now', async () => {
    const north = await startExecutionHarness({ MC_INSTANCE_NAME: 'north' });
    try {
      expect((await register('north', north)).status).toBe(201);
      await waitFor(async () => (await north.request('GET', '/api/v1/templates', undefined, TEST_CONTROL_KEY)).body.items.length === 1);
      expect((await control.request('DELETE', '/api/v1/execution-instances/north')).status).toBe(204);
    } finally {
      await north.close();
    }
  });

  it('when a template is unpublished, then it is removed everywhere', async () => {
    const answer = await control.request('POST', '/api/v1/templates/order/unpublish');
    expect(answer.body.publications.map((publication: { state: string }) => publication.state)).toEqual(['done', 'done']);
    for (const mc of [east, west]) expect((await mc.request('GET', '/api/v1/templates', undefined, TEST_CONTROL_KEY)).body.items).toEqual([]);
  });

  it('when an account is deleted, then its scheduler goes and a job already queued for it does nothing', async () => {
    expect((await control.request('DELETE', '/api/v1/execution-instances/west')).status).toBe(204);
    expect(await schedulerKeys()).toEqual(['archive-east']);
    expect(await archive('west')).toEqual({ pages: 0, events: 0 });
    expect((await control.request('DELETE', '/api/v1/execution-instances/west')).status).toBe(404);
  });

  it('when /metrics is scraped, then the archive lag and archived count of each execution instance are there', async () => {
    const text = await (await fetch(`${control.baseUrl}/metrics`)).text();
    expect(text).toMatch(/^mc_archive_lag_seconds\{mc_instance="east"\} [\d.]+$/m);
    expect(text).toMatch(/^mc_archived_events\{mc_instance="east"\} [1-9]\d*$/m);
    expect(text).toMatch(/^mc_queue_jobs\{queue="publishing",state="waiting"\} \d+$/m);
  });

  it('when a producer key or no token is used on control, then it is refused; a control credential cannot push events', async () => {
    expect((await control.request('GET', '/api/v1/execution-instances', undefined, TEST_PRODUCER_KEY)).status).toBe(401);
    expect((await control.request('GET', '/api/v1/templates', undefined, null)).status).toBe(401);
    expect((await east.request('POST', '/api/v1/events', orderEvent(), TEST_CONTROL_KEY)).status).toBe(403);
  });
});
