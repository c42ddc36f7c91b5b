import { createApiKey, createKeyVerifier, hashApiKey } from '../src/api-keys/api-keys';
import { basicAuthorization, orderEvent, waitFor, TEST_PRODUCER_KEY } from '@mc/testing';
import { startExecutionHarness, type ExecutionHarness } from '../testing';

const LIMITS = { AUTH_FAILURES_PER_SECOND: '1', AUTH_FAILURES_BURST: '5' };

/** Failed authentications are limited per client address before any credential is looked up. */
describe('limits before authentication (execution instance)', () => {
  let mc: ExecutionHarness;
  let proxied: ExecutionHarness;
  beforeAll(async () => {
    [mc, proxied] = await Promise.all([
      startExecutionHarness({ MC_ROLE: 'api', API_KEY_CACHE_MS: '60000', ...LIMITS, MC_ADMIN_USER: 'ops', MC_ADMIN_PASSWORD: 'correct-horse-battery' }),
      startExecutionHarness({ MC_ROLE: 'api', ...LIMITS, MC_TRUST_PROXY: 'loopback' }),
    ]);
  });
  afterAll(() => Promise.all([mc.close(), proxied.close()]));

  const post = (harness: ExecutionHarness, key: string, headers: Record<string, string> = {}) =>
    fetch(`${harness.baseUrl}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(orderEvent()),
    });

  it('when an address keeps sending unknown keys, then after the burst it gets 429 with Retry-After and RateLimit headers, while a key it used before keeps working', async () => {
    expect((await post(mc, TEST_PRODUCER_KEY)).status).toBe(202);
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let attempt = 0; attempt < 8; attempt++) {
      const answer = await post(mc, `mc_made_up_key_${attempt}_000000000000`);
      statuses.push(answer.status);
      if (answer.status === 429) refused = answer;
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    expect(refused?.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused?.headers.get('ratelimit-policy')).toBe('"failed-auth";q=5;w=5');
    expect(refused?.headers.get('ratelimit')).toMatch(/^"failed-auth";r=0;t=\d+$/);

    // The producer's key, verified a moment ago, still works from the same address.
    expect((await post(mc, TEST_PRODUCER_KEY)).status).toBe(202);
    // Basic auth shares the limit: no password is compared while the address is blocked.
    const dashboard = await fetch(`${mc.baseUrl}/admin/queues/api/queues`, { headers: { authorization: basicAuthorization('ops', 'correct-horse-battery') } });
    expect(dashboard.status).toBe(429);
  });

  it('when a trusted proxy forwards the client address, then each client has its own limit (IPv6 per /64), and a key known as valid still works past its cache entry', async () => {
    const from = (client: string) => ({ 'x-forwarded-for': client });
    // This instance caches no key: the producer's key is looked up each time.
    expect((await post(proxied, TEST_PRODUCER_KEY, from('203.0.113.7'))).status).toBe(202);
    for (let attempt = 0; attempt < 6; attempt++) await post(proxied, `mc_made_up_key_${attempt}_000000000000`, from('203.0.113.7'));
    expect((await post(proxied, 'mc_made_up_key_x_000000000000', from('203.0.113.7'))).status).toBe(429);
    expect((await post(proxied, TEST_PRODUCER_KEY, from('203.0.113.7'))).status).toBe(202);
    expect((await post(proxied, 'mc_made_up_key_y_000000000000', from('198.51.100.4'))).status).toBe(401);
    expect((await post(proxied, TEST_PRODUCER_KEY, from('198.51.100.4'))).status).toBe(202);

    for (let attempt = 0; attempt < 6; attempt++) await post(proxied, `mc_made_up_key_${attempt}_000000000000`, from('2001:db8::1'));
    expect((await post(proxied, 'mc_made_up_key_z_000000000000', from('2001:db8:0:0:ffff::2'))).status).toBe(429);
    expect((await post(proxied, 'mc_made_up_key_z_000000000000', from('2001:db8:0:1::1'))).status).toBe(401);
  });

  it('when many unknown keys arrive from one address at once, then no more than the burst are looked up', async () => {
    const answers = await Promise.all(Array.from({ length: 60 }, (_, index) => post(proxied, `mc_parallel_key_${index}_0000000000000`, { 'x-forwarded-for': '192.0.2.99' })));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(55);
  });

  it('when an unknown key is tried again at once, then it is refused without a new lookup (negative cache), and found once the moment has passed', async () => {
    const verify = createKeyVerifier(mc.instance.db.prisma, { cacheMs: 60_000, negativeCacheMs: 300 });
    const key = 'mc_key_that_exists_only_later_0000000000';
    expect(await verify(key)).toBeUndefined();
    // The key now exists, but the refusal is remembered for a moment: no lookup was made.
    const created = await createApiKey(mc.instance.db.prisma, { name: 'later', scopes: ['events:write'], key });
    expect(hashApiKey(created.key)).toBe(hashApiKey(key));
    expect(await verify(key)).toBeUndefined();
    expect(await waitFor(() => verify(key))).toMatchObject({ name: 'later', producer: 'later' });
    expect(verify.cached?.(key)).toMatchObject({ name: 'later' });
  });
});
