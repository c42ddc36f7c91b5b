import http from 'node:http';
import { ExecutionClient, isAllowedExecutionUrl } from '@mc/control';
import { freePort, listenLocally, TEST_CONTROL_KEY } from '@mc/testing';
import { startExecutionHarness, type ExecutionHarness } from '@mc/execution/testing';
import { startControlHarness, type ControlHarness } from '@mc/control/testing';

const SECRET = 'AKIA-metadata-secret-do-not-leak';

/** A stand-in for whatever an attacker would point registration at, recording what it was asked. */
async function fakeServer(handler: http.RequestListener): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  const listening = await listenLocally(server);
  return {
    url: listening.baseUrl,
    hits,
    close: listening.close,
  };
}

describe('registration cannot be used to probe the network', () => {
  let control: ControlHarness;
  let fenced: ControlHarness;
  let east: ExecutionHarness;
  const servers: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    east = await startExecutionHarness({ MC_ROLE: 'api' });
    [control, fenced] = await Promise.all([
      startControlHarness({ EXECUTION_CALL_TIMEOUT_MS: '500' }),
      startControlHarness({ MC_EXECUTION_URL_ALLOW: `${new URL(east.baseUrl).host}, *.internal.example` }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await Promise.all([control.close(), fenced.close()]);
    await east.close();
  });

  const register = (harness: ControlHarness, url: string, name = 'probe') => harness.request('POST', '/api/v1/execution-instances', { name, url, credential: TEST_CONTROL_KEY });

  it('when the URL answers an error with a body, then the 400 says the status and never echoes the body', async () => {
    const metadata = await fakeServer((_req, res) => res.writeHead(400, { 'content-type': 'text/plain' }).end(`token=${SECRET}`));
    servers.push(metadata);
    const answer = await register(control, `${metadata.url}/latest/meta-data/`);
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([expect.objectContaining({ path: 'url' })]);
    expect(answer.body.detail).toMatch(/answered 400/);
    expect(JSON.stringify(answer.body)).not.toContain(SECRET);
  });

  it('when the URL redirects, then the redirect is not followed', async () => {
    const target = await fakeServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[]}'));
    const redirecting = await fakeServer((_req, res) => res.writeHead(302, { location: `${target.url}/api/v1/templates` }).end());
    servers.push(target, redirecting);
    const answer = await register(control, redirecting.url);
    expect(answer.status).toBe(400);
    expect(answer.body.detail).toMatch(/answered 302 \(a redirect, which is not followed\)/);
    expect(target.hits).toEqual([]);
    expect(redirecting.hits).toEqual(['GET /api/v1/templates']);
  });

  it('when the URL stalls or refuses, then the 400 says so, within the short timeout', async () => {
    const stalling = await fakeServer(() => undefined);
    servers.push(stalling);
    const stalled = await register(control, stalling.url);
    expect(stalled.status).toBe(400);
    expect(stalled.body.detail).toMatch(/no answer within 500 ms/);
    const refused = await register(control, `http://127.0.0.1:${await freePort()}`);
    expect(refused.body.detail).toMatch(/connection refused/);
    const withUser = await register(control, 'http://user:pass@127.0.0.1:1');
    expect(withUser.status).toBe(400);
    expect(withUser.body.errors).toEqual([expect.objectContaining({ path: 'url', message: expect.stringMatching(/user or password/) })]);
  });

  it('when an allow-list is set, then only its hosts are registered and called', async () => {
    const elsewhere = await fakeServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[]}'));
    servers.push(elsewhere);
    const refused = await register(fenced, elsewhere.url);
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: 'url', message: expect.stringMatching(/allow-list/) })]);
    expect(elsewhere.hits).toEqual([]);
    expect((await register(fenced, east.baseUrl, 'east')).status).toBe(201);

    const allowed = ['api.internal.example:443', '[::1]:3001'];
    expect(isAllowedExecutionUrl('https://exec-1.internal.example', ['*.internal.example'])).toBe(true);
    expect(isAllowedExecutionUrl('https://internal.example.evil.test', ['*.internal.example'])).toBe(false);
    expect(isAllowedExecutionUrl('https://api.internal.example', allowed)).toBe(true);
    expect(isAllowedExecutionUrl('http://api.internal.example', allowed)).toBe(false);
    expect(isAllowedExecutionUrl('http://[::1]:3001/', allowed)).toBe(true);
    await expect(new ExecutionClient({ url: elsewhere.url, credential: TEST_CONTROL_KEY }, { timeoutMs: 500, allowedHosts: allowed }).checkConnection()).rejects.toThrow(
      /not on the allow-list/,
    );
    expect(elsewhere.hits).toEqual([]);
  });
});
