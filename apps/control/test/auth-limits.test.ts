import { TEST_ADMIN_TOKEN } from '@mc/testing';
import { startControlHarness, type ControlHarness } from '../testing';

/** The admin token cannot be guessed at speed: failures are limited per client address. */
describe('limits before authentication (control instance)', () => {
  let control: ControlHarness;
  beforeAll(async () => {
    control = await startControlHarness({ AUTH_FAILURES_PER_SECOND: '1', AUTH_FAILURES_BURST: '3' });
  });
  afterAll(() => control.close());

  it('when wrong admin tokens keep coming from an address, then it gets 429, even for the right token, until the bucket refills', async () => {
    expect((await control.request('GET', '/api/v1/templates')).status).toBe(200);
    const statuses = [];
    for (let guess = 0; guess < 5; guess++) statuses.push((await control.request('GET', '/api/v1/templates', undefined, `guess-${guess}-0000000000000000`)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    // While blocked, even the right token is not compared: a guess that hits cannot be told from one that misses.
    const blocked = await control.request('GET', '/api/v1/templates', undefined, TEST_ADMIN_TOKEN);
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ code: 'rate_limited' });
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
