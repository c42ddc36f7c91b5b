import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createApiKey, listApiKeys, revokeApiKey } from '../src/api-keys/api-keys';
import { orderEvent, TEST_PRODUCER_KEY } from '@mc/testing';
import { startExecutionHarness, type ExecutionHarness } from '../testing';

describe('producer API keys', () => {
  let mc: ExecutionHarness;
  beforeAll(async () => {
    mc = await startExecutionHarness({ MC_ROLE: 'api' });
  });
  afterAll(() => mc.close());

  it('when a key is created, then it holds 32 random bytes, only its hash and a random id are stored, and it works with its scopes', async () => {
    const created = await createApiKey(mc.instance.db.prisma, { name: 'shop', scopes: ['events:write'] });
    expect(created.key).toMatch(/^mc_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(created.key.slice(3), 'base64url')).toHaveLength(32);
    const { rows } = await mc.instance.db.pool.query("SELECT * FROM api_keys WHERE name = 'shop'");
    expect(rows[0].hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].key_id).toMatch(/^key_[0-9a-f]{10}$/);
    // No column holds any part of the key (a listing used to show its first 8 characters).
    for (const value of Object.values(rows[0])) expect(String(value)).not.toContain(created.key.slice(3, 11));

    expect((await mc.request('POST', '/api/v1/events', orderEvent(), created.key)).status).toBe(202);
    expect((await mc.request('GET', '/api/v1/events', undefined, created.key)).status).toBe(403);
  });

  it('when a key is revoked, then it is refused with 401', async () => {
    const created = await createApiKey(mc.instance.db.prisma, { name: 'temporary', scopes: ['events:write'] });
    expect((await mc.request('POST', '/api/v1/events', orderEvent(), created.key)).status).toBe(202);
    expect(await revokeApiKey(mc.instance.db.prisma, 'temporary')).toBe(true);
    expect(await revokeApiKey(mc.instance.db.prisma, 'temporary')).toBe(false);
    expect((await mc.request('POST', '/api/v1/events', orderEvent(), created.key)).status).toBe(401);
    const listed = await listApiKeys(mc.instance.db.prisma);
    expect(listed.find((key) => key.name === 'temporary')?.revokedAt).toBeInstanceOf(Date);
  });

  it('when a name is taken, then creating another key under it is a conflict', async () => {
    await expect(createApiKey(mc.instance.db.prisma, { name: 'shop', scopes: ['events:read'] })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('when the bootstrap keys are configured, then they exist with their scopes', async () => {
    const listed = await listApiKeys(mc.instance.db.prisma);
    expect(listed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'bootstrap-producer', producer: 'default', scopes: ['events:write', 'events:read'] }),
        expect.objectContaining({ name: 'bootstrap-control', scopes: ['control'] }),
      ]),
    );
  });

  it('when a bootstrap variable changes or is unset at the next start, then the old key stops working', async () => {
    const changedKey = 'mc_changed_bootstrap_key_000000000000';
    const changed = await mc.startSibling({ MC_API_KEY: changedKey, EXECUTION_PORT: '0' });
    const at = (instance: typeof changed, key: string) =>
      fetch(`http://127.0.0.1:${instance.port}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(orderEvent()) });
    expect((await at(changed, changedKey)).status).toBe(202);
    expect((await at(changed, TEST_PRODUCER_KEY)).status).toBe(401);

    // A worker without the variable leaves the keys alone: only processes serving HTTP own them.
    await mc.startSibling({ MC_API_KEY: '', MC_ROLE: 'worker' });
    expect((await at(changed, changedKey)).status).toBe(202);

    const unset = await mc.startSibling({ MC_API_KEY: '', EXECUTION_PORT: '0' });
    expect((await at(unset, changedKey)).status).toBe(401);
    expect((await listApiKeys(mc.instance.db.prisma)).find((key) => key.name === 'bootstrap-producer')?.revokedAt).toBeInstanceOf(Date);
  });

  it('when keys are managed with `npm run keys`, then create prints a working key once and revoke disables it', async () => {
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, [require.resolve('tsx/cli'), path.resolve(__dirname, '../src/cli/api-keys-cli.ts'), ...args], {
        env: { ...process.env, EXECUTION_DATABASE_URL: mc.database.url, LOG_LEVEL: 'error' },
      });
    const created = await run('create', 'cli-shop', '--scopes', 'events:write');
    const key = /\n\s+(mc_\S+)\n/.exec(created.stdout)?.[1];
    expect(key).toBeDefined();
    expect((await mc.request('POST', '/api/v1/events', orderEvent(), key)).status).toBe(202);
    expect((await run('list')).stdout).toMatch(/^cli-shop\tcli-shop\tkey_[0-9a-f]{10}\tevents:write\tactive$/m);
    const reports = await run('create', 'cli-reports', '--scopes', 'events:read', '--producer', 'cli-shop');
    expect(reports.stdout).toMatch(/of producer "cli-shop"/);
    await expect(run('create', 'bad-producer', '--producer', 'has spaces')).rejects.toMatchObject({ stderr: expect.stringMatching(/--producer must be/) });
    await run('revoke', 'cli-shop');
    expect((await mc.request('POST', '/api/v1/events', orderEvent(), key)).status).toBe(401);
    await expect(run('create', 'bad', '--scopes', 'everything')).rejects.toMatchObject({ stderr: expect.stringMatching(/Unknown scope/) });
  });
});
