import { startExecutionHarness, waitFor, TEST_CONTROL_KEY, type ExecutionHarness } from '@mc/testing';

const ORDER_TEMPLATE = {
  version: 1,
  eventType: 'ORDER_CONFIRMATION',
  channel: 'email',
  subject: 'Order {{ ctx.orderId }} confirmed',
  html: '<p>Hello {{ ctx.firstName }}</p>',
  text: 'Hello {{ ctx.firstName }}',
};

describe('real-time event intake', () => {
  let mc: ExecutionHarness;
  beforeAll(async () => {
    mc = await startExecutionHarness();
    const published = await mc.request('PUT', '/api/v1/templates/order-confirmation', ORDER_TEMPLATE, TEST_CONTROL_KEY);
    expect(published.status).toBe(200);
  });
  afterAll(() => mc.close());

  it('when an event is posted, then it is stored, answered 202 and linked to the published template', async () => {
    const posted = await mc.request('POST', '/api/v1/events', {
      type: 'ORDER_CONFIRMATION',
      email: 'ada@example.com',
      externalId: 'order-1042',
      ctx: { firstName: 'Ada', orderId: 1042 },
    });
    expect(posted.status).toBe(202);
    expect(posted.body).toEqual({ id: expect.any(String), status: 'pending', kind: 'rt' });

    const linked = await waitFor(async () => {
      const event = await mc.request('GET', `/api/v1/events/${posted.body.id}`);
      return event.body.status === 'pending_delivery' ? event.body : undefined;
    });
    expect(linked.template).toEqual({ name: 'order-confirmation', version: 1 });
    expect(linked.deliveries).toHaveLength(1);
    expect(linked.deliveries[0]).toMatchObject({ status: 'pending', channel: 'email', recipient: 'ada@example.com' });
  });
});
