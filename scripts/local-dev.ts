/** Development defaults and helpers for `npm start`; never used in production. */
import { readExecutionEnv } from '../apps/execution/src/env.ts';

export const DEV_DEFAULTS = {
  MC_API_KEY: 'mc_dev_producer_key_change_me_000000',
  MC_CONTROL_CREDENTIAL: 'mc_dev_control_credential_change_me_0',
  LOG_FORMAT: 'pretty',
} as const;

function port(): number {
  return readExecutionEnv().EXECUTION_PORT;
}

async function waitForHealth(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The sample template of the README's curl example, published as the control instance would. */
export async function publishSampleTemplate(): Promise<void> {
  const base = `http://127.0.0.1:${port()}`;
  await waitForHealth(`${base}/health`);
  const response = await fetch(`${base}/api/v1/templates/order-confirmation`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${readExecutionEnv().MC_CONTROL_CREDENTIAL ?? ''}` },
    body: JSON.stringify({
      version: 1,
      eventType: 'ORDER_CONFIRMATION',
      channel: 'email',
      subject: 'Order {{ ctx.orderId }} confirmed',
      html: '<p>Hello {{ ctx.firstName }}, your order {{ ctx.orderId }} is confirmed.</p>',
      text: 'Hello {{ ctx.firstName }}, your order {{ ctx.orderId }} is confirmed.',
    }),
  });
  if (!response.ok) throw new Error(`could not publish the sample template: ${response.status} ${await response.text()}`);
}

export function printWelcome(): void {
  const key = readExecutionEnv().MC_API_KEY ?? '';
  console.log(`
Message Center is running (development credentials — never use them in production).

  execution instance   http://127.0.0.1:${port()}   (health: /health, readiness: /ready)
  producer API key     ${key}

Send an event:

  curl -s -X POST http://127.0.0.1:${port()}/api/v1/events \\
    -H "Authorization: Bearer ${key}" -H "Content-Type: application/json" \\
    -d '{"type":"ORDER_CONFIRMATION","email":"ada@example.com","ctx":{"firstName":"Ada","orderId":1042}}'

Then look at it (use the id from the answer):

  curl -s http://127.0.0.1:${port()}/api/v1/events/<id> -H "Authorization: Bearer ${key}"

Stop with Ctrl+C (twice to force).
`);
}
