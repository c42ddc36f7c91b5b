/** Development defaults and set-up for `npm start`; never used in production. */
import { readExecutionEnv } from '@mc/execution';
import { readControlEnv } from '@mc/control';

export const DEV_DEFAULTS = {
  MC_API_KEY: 'mc_dev_producer_key_change_me_000000',
  MC_CONTROL_CREDENTIAL: 'mc_dev_control_credential_change_me_0',
  MC_ADMIN_TOKEN: 'mc_dev_admin_token_change_me_00000000',
  MC_ADMIN_USER: 'admin',
  MC_ADMIN_PASSWORD: 'message-center-dev',
} as const;

const SAMPLE_TEMPLATE = {
  eventType: 'ORDER_CONFIRMATION',
  channel: 'email',
  subject: 'Order {{ ctx.orderId }} confirmed',
  html: '<p>Hello {{ ctx.firstName }}, your order {{ ctx.orderId }} is confirmed.</p>',
  text: 'Hello {{ ctx.firstName }}, your order {{ ctx.orderId }} is confirmed.',
};

function urls() {
  const execution = readExecutionEnv();
  const control = readControlEnv();
  return {
    execution: `http://127.0.0.1:${execution.EXECUTION_PORT}`,
    control: `http://127.0.0.1:${control.CONTROL_PORT}`,
    instanceName: execution.MC_INSTANCE_NAME,
    producerKey: execution.MC_API_KEY ?? '',
    controlCredential: execution.MC_CONTROL_CREDENTIAL ?? '',
    adminToken: control.MC_ADMIN_TOKEN ?? '',
    adminUser: control.MC_ADMIN_USER ?? '',
    adminPassword: control.MC_ADMIN_PASSWORD ?? '',
  };
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
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function call(method: string, url: string, token: string, body?: unknown): Promise<Response> {
  return fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Registers the local execution instance on control and publishes the sample template through control. */
export async function setUpLocalSystem(): Promise<void> {
  const local = urls();
  await Promise.all([waitForHealth(`${local.execution}/health`), waitForHealth(`${local.control}/health`)]);
  const registered = await call('POST', `${local.control}/api/v1/execution-instances`, local.adminToken, {
    name: local.instanceName,
    url: local.execution,
    credential: local.controlCredential,
  });
  if (!registered.ok && registered.status !== 409) throw new Error(`could not register the execution instance: ${registered.status} ${await registered.text()}`);
  const draft = await call('PUT', `${local.control}/api/v1/templates/order-confirmation`, local.adminToken, SAMPLE_TEMPLATE);
  if (!draft.ok) throw new Error(`could not save the sample template: ${draft.status} ${await draft.text()}`);
  const current = (await (await call('GET', `${local.control}/api/v1/templates/order-confirmation`, local.adminToken)).json()) as { publishedVersion: number | null };
  if (current.publishedVersion === null) {
    const published = await call('POST', `${local.control}/api/v1/templates/order-confirmation/publish`, local.adminToken);
    if (!published.ok) throw new Error(`could not publish the sample template: ${published.status} ${await published.text()}`);
  }
}

export function printWelcome(): void {
  const local = urls();
  console.log(`
Message Center is running (development credentials — never use them in production).

  control instance     ${local.control}    operators: Authorization: Bearer ${local.adminToken}
  execution instance   ${local.execution}    producers: Authorization: Bearer ${local.producerKey}
  dashboards           ${local.execution}/admin/queues, ${local.control}/admin/queues, outbox ${local.execution}/admin/outbox
                       (basic auth ${local.adminUser} / ${local.adminPassword})

Send an event:

  curl -s -X POST ${local.execution}/api/v1/events \\
    -H "Authorization: Bearer ${local.producerKey}" -H "Content-Type: application/json" \\
    -d '{"type":"ORDER_CONFIRMATION","email":"ada@example.com","ctx":{"firstName":"Ada","orderId":1042}}'

Then look at it (use the id from the answer), and at the mail in the outbox:

  curl -s ${local.execution}/api/v1/events/<id> -H "Authorization: Bearer ${local.producerKey}"
  curl -s -u ${local.adminUser}:${local.adminPassword} ${local.execution}/admin/outbox

Stop with Ctrl+C (twice to force).
`);
}
