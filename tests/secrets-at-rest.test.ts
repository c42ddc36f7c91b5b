import { runArchiving } from '@mc/control';
import { TEST_CONTROL_KEY } from '@mc/testing';
import { startExecutionHarness, type ExecutionHarness } from '@mc/execution/testing';
import { startControlHarness, type ControlHarness } from '@mc/control/testing';

const FIRST_KEY = 'first-secret-key-0123456789-abcdefghij';
const SECOND_KEY = 'second-secret-key-0123456789-abcdefghi';

/** Execution-instance credentials are stored on control sealed with MC_SECRET_KEY, never in clear. */
describe('secrets at rest on control', () => {
  let control: ControlHarness;
  let east: ExecutionHarness;
  beforeAll(async () => {
    east = await startExecutionHarness({ MC_ROLE: 'api', MC_INSTANCE_NAME: 'east' });
    control = await startControlHarness({ MC_SECRET_KEY: FIRST_KEY });
    expect((await control.request('POST', '/api/v1/execution-instances', { name: 'east', url: east.baseUrl, credential: TEST_CONTROL_KEY })).status).toBe(201);
  });
  afterAll(async () => {
    await control.close();
    await east.close();
  });

  const storedCredential = async () => (await control.control.db.pool.query<{ credential: string }>("SELECT credential FROM execution_instances WHERE name = 'east'")).rows[0]?.credential ?? '';

  it('when an instance is registered, then its credential is stored sealed (AES-256-GCM), and control still calls it', async () => {
    const stored = await storedCredential();
    expect(stored).toMatch(/^v1:[0-9a-f]{8}:/);
    expect(stored).not.toContain(TEST_CONTROL_KEY);
    expect(stored).not.toContain(TEST_CONTROL_KEY.slice(0, 8));
    await expect(runArchiving(control.control.services.archiving, 'east')).resolves.toMatchObject({ pages: expect.any(Number) });
  });

  it('when MC_SECRET_KEY is rotated (the old one in MC_SECRET_KEY_PREVIOUS), then the credential is sealed again with the new key at start', async () => {
    const before = await storedCredential();
    const rotated = await control.startSibling({ MC_SECRET_KEY: SECOND_KEY, MC_SECRET_KEY_PREVIOUS: FIRST_KEY });
    const after = await storedCredential();
    expect(after.split(':')[1]).not.toBe(before.split(':')[1]);
    await expect(runArchiving(rotated.services.archiving, 'east')).resolves.toBeDefined();
  });

  it('when no configured key opens a credential, then archiving fails saying so, and the credential is left as it was', async () => {
    const before = await storedCredential();
    const wrong = await control.startSibling({ MC_SECRET_KEY: 'a-third-key-that-sealed-nothing-00000000' });
    expect(await storedCredential()).toBe(before);
    await expect(runArchiving(wrong.services.archiving, 'east')).rejects.toThrow(/sealed with another key/);
    const account = (await control.request('GET', '/api/v1/execution-instances')).body.items[0];
    expect(account.lastError).toMatch(/sealed with another key .* MC_SECRET_KEY/);
  });

  it('when a sealed credential is copied onto another account, then it does not open there', async () => {
    await control.control.db.pool.query(
      "INSERT INTO execution_instances (name, url, credential) SELECT 'copycat', url, credential FROM execution_instances WHERE name = 'east'",
    );
    const rotated = await control.startSibling({ MC_SECRET_KEY: SECOND_KEY });
    await expect(runArchiving(rotated.services.archiving, 'copycat')).rejects.toThrow(/belongs to another record/);
  });
});
