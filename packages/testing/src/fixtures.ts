/** A published template version as the control instance sends it. */
export function templateVersion(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 1,
    eventType: 'ORDER_CONFIRMATION',
    channel: 'email',
    subject: 'Order {{ ctx.orderId }} confirmed',
    html: '<p>Hello {{ ctx.firstName }}</p>',
    text: 'Hello {{ ctx.firstName }}',
    ...overrides,
  };
}

let sequence = 0;

/** A valid real-time event body. */
export function orderEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  sequence += 1;
  return {
    type: 'ORDER_CONFIRMATION',
    email: `customer${sequence}@example.com`,
    ctx: { firstName: 'Ada', orderId: sequence },
    ...overrides,
  };
}
