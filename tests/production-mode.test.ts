import path from 'node:path';
import { ConfigError } from '@mc/domain';
import { readExecutionEnv } from '@mc/execution';
import { readControlEnv } from '@mc/control';
import { startSmtpSink, type SmtpSink } from '@mc/smtp-sink';
import { basicAuthorization, spawnApp, REPO_ROOT } from '@mc/testing';
import { startExecutionHarness, type ExecutionHarness } from '@mc/execution/testing';
import { startControlHarness, type ControlHarness } from '@mc/control/testing';

const problemsOf = (read: () => unknown): string[] => {
  try {
    read();
  } catch (thrown) {
    if (thrown instanceof ConfigError) return thrown.problems;
    throw thrown;
  }
  return [];
};
const namesOf = (problems: string[]) => problems.map((problem) => problem.split(':')[0]).sort();

const METRICS_TOKEN = 'mc_test_metrics_token_0123456789abcdef';

describe('production mode (NODE_ENV=production) refuses development settings', () => {
  it('when the execution instance lacks SMTP_URL or holds development credentials, then it names each variable', () => {
    expect(namesOf(problemsOf(() => readExecutionEnv({ NODE_ENV: 'production' })))).toEqual(['SMTP_URL']);
    const problems = problemsOf(() =>
      readExecutionEnv({
        NODE_ENV: 'production',
        MC_API_KEY: 'mc_dev_producer_key_change_me_000000',
        MC_CONTROL_CREDENTIAL: 'mc_dev_control_credential_exec_1_change_me',
        MC_ADMIN_USER: 'admin',
        MC_ADMIN_PASSWORD: 'message-center-dev',
      }),
    );
    expect(namesOf(problems)).toEqual(['MC_ADMIN_PASSWORD', 'MC_API_KEY', 'MC_CONTROL_CREDENTIAL', 'SMTP_URL']);
    expect(problems.find((problem) => problem.startsWith('MC_API_KEY'))).toMatch(/development credential/);
    expect(() => readExecutionEnv({ NODE_ENV: 'production', SMTP_URL: 'smtp://mail.example.com:587', MC_API_KEY: 'a-real-secret-of-our-own-000000' })).not.toThrow();
    // Development accepts them, as npm start and docker compose need.
    expect(() => readExecutionEnv({ MC_API_KEY: 'mc_dev_producer_key_change_me_000000' })).not.toThrow();
  });

  it('when control lacks MC_SECRET_KEY or holds development credentials, then it names each variable', () => {
    expect(namesOf(problemsOf(() => readControlEnv({ NODE_ENV: 'production', MC_ADMIN_TOKEN: 'mc_dev_admin_token_change_me_00000000' })))).toEqual([
      'MC_ADMIN_TOKEN',
      'MC_SECRET_KEY',
    ]);
    expect(() => readControlEnv({ NODE_ENV: 'production', MC_SECRET_KEY: 'x'.repeat(40), MC_ADMIN_TOKEN: 'y'.repeat(40) })).not.toThrow();
    expect(namesOf(problemsOf(() => readControlEnv({ NODE_ENV: 'production', MC_SECRET_KEY: 'x'.repeat(40), MC_TRUST_PROXY: 'true' })))).toEqual(['MC_TRUST_PROXY']);
    expect(() => readControlEnv({ NODE_ENV: 'production', MC_SECRET_KEY: 'x'.repeat(40), MC_TRUST_PROXY: '1' })).not.toThrow();
  });

  it('when a production process starts with development settings, then it refuses in one line per variable and exits 1', async () => {
    const child = spawnApp(path.join(REPO_ROOT, 'apps/execution/src/main.ts'), { NODE_ENV: 'production', SMTP_URL: '', MC_ADMIN_PASSWORD: 'message-center-dev', MC_ADMIN_USER: 'admin' }, { capture: true });
    expect(await child.exited).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(child.lines[0]).toMatch(/^message-center execution: Invalid configuration:/);
    expect(child.lines.slice(1).sort()).toEqual([expect.stringMatching(/^\s+- MC_ADMIN_PASSWORD: holds a development credential/), expect.stringMatching(/^\s+- SMTP_URL: is required in production/)]);
  });
});

describe('a production execution instance and control', () => {
  let smtp: SmtpSink;
  let mc: ExecutionHarness;
  let control: ControlHarness;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    const production = { NODE_ENV: 'production', MC_ADMIN_USER: 'ops', MC_ADMIN_PASSWORD: 'correct-horse-battery', MC_METRICS_TOKEN: METRICS_TOKEN };
    [mc, control] = await Promise.all([
      startExecutionHarness({ ...production, SMTP_URL: smtp.url }),
      startControlHarness({ ...production, MC_SECRET_KEY: 's'.repeat(40) }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([mc.close(), control.close()]);
    await smtp.close();
  });

  it('when it runs, then it listens on 127.0.0.1 only, and there is no development sink nor /admin/outbox', async () => {
    expect(mc.instance.server?.address()).toMatchObject({ address: '127.0.0.1' });
    expect(control.control.server.address()).toMatchObject({ address: '127.0.0.1' });
    expect(mc.instance.transports).toBeDefined();
    expect(mc.instance.transports?.sink).toBeUndefined();
    const auth = basicAuthorization('ops', 'correct-horse-battery');
    expect((await fetch(`${mc.baseUrl}/admin/outbox`, { headers: { authorization: auth } })).status).toBe(404);
    expect((await fetch(`${mc.baseUrl}/admin/queues/api/queues`, { headers: { authorization: auth } })).status).toBe(200);
  });

  it.each(['execution', 'control'] as const)('when MC_METRICS_TOKEN is set (%s), then /metrics needs it and /ready tells details only to its holder', async (app) => {
    const baseUrl = app === 'execution' ? mc.baseUrl : control.baseUrl;
    const metrics = await fetch(`${baseUrl}/metrics`);
    expect(metrics.status).toBe(401);
    expect(metrics.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(200);
    expect(await (await fetch(`${baseUrl}/ready`)).json()).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
  });
});
