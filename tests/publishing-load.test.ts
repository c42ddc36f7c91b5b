import { waitFor, TEST_CONTROL_KEY } from '@mc/testing';
import { startExecutionHarness, type ExecutionHarness } from '@mc/execution/testing';
import { startControlHarness, type ControlHarness } from '@mc/control/testing';

/**
 * Publishing jobs hold a session lock for the length of their call to an instance. When they
 * took those connections from the pool their own queries needed, a dozen at once starved the
 * pool (each holder waiting for a second connection): jobs and the API failed with pool timeouts.
 */
describe('publishing to many instances at once', () => {
  let control: ControlHarness;
  let mc: ExecutionHarness;
  beforeAll(async () => {
    mc = await startExecutionHarness({ MC_ROLE: 'api' });
    control = await startControlHarness();
  });
  afterAll(async () => {
    await control.close();
    await mc.close();
  });

  it('when a template is published to 14 accounts at once, then every publication lands and the API keeps answering', async () => {
    const names = Array.from({ length: 14 }, (_, index) => `instance-${index}`);
    for (const name of names) {
      expect((await control.request('POST', '/api/v1/execution-instances', { name, url: mc.baseUrl, credential: TEST_CONTROL_KEY })).status).toBe(201);
    }
    const draft = { eventType: 'LOAD', channel: 'email', subject: 's', html: 'h', text: 't' };
    expect((await control.request('PUT', '/api/v1/templates/load', draft)).status).toBe(200);
    for (let version = 1; version <= 3; version++) {
      const [published, ...reads] = await Promise.all([
        control.request('POST', '/api/v1/templates/load/publish'),
        ...Array.from({ length: 8 }, () => control.request('GET', '/api/v1/templates/load')),
      ]);
      expect(published?.status).toBe(201);
      expect(reads.map((read) => read.status)).toEqual(reads.map(() => 200));
    }
    const publications = await waitFor(async () => {
      const { body } = await control.request('GET', '/api/v1/templates/load');
      return body.publications.every((publication: { state: string; version: number }) => publication.state === 'done' && publication.version === 3) ? body.publications : undefined;
    });
    expect(publications).toHaveLength(14);
  });
});
