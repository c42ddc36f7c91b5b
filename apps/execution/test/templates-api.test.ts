import { templateVersion, TEST_CONTROL_KEY } from '@mc/testing';
import { startExecutionHarness, type ExecutionHarness } from '../testing';

describe('PUT/DELETE /api/v1/templates/:name (from the control instance)', () => {
  let mc: ExecutionHarness;
  beforeAll(async () => {
    mc = await startExecutionHarness({ MC_ROLE: 'api' });
  });
  afterAll(() => mc.close());

  it('when a producer key publishes a template, then it is refused with 403', async () => {
    const answer = await mc.request('PUT', '/api/v1/templates/order', templateVersion());
    expect(answer.status).toBe(403);
    expect(answer.body.detail).toMatch(/"control" scope/);
  });

  it('when a newer version arrives, then it replaces the published one; an older one changes nothing', async () => {
    const v2 = await mc.request('PUT', '/api/v1/templates/order', templateVersion({ version: 2, subject: 'v2' }), TEST_CONTROL_KEY);
    expect(v2.status).toBe(200);
    expect(v2.body).toMatchObject({ name: 'order', version: 2, subject: 'v2', changed: true });
    const v1 = await mc.request('PUT', '/api/v1/templates/order', templateVersion({ version: 1, subject: 'v1' }), TEST_CONTROL_KEY);
    expect(v1.body).toMatchObject({ version: 2, subject: 'v2', changed: false });
    const v3 = await mc.request('PUT', '/api/v1/templates/order', templateVersion({ version: 3, subject: 'v3' }), TEST_CONTROL_KEY);
    expect(v3.body).toMatchObject({ version: 3, subject: 'v3', changed: true });
    const listed = await mc.request('GET', '/api/v1/templates', undefined, TEST_CONTROL_KEY);
    expect(listed.body.items).toEqual([expect.objectContaining({ name: 'order', version: 3 })]);
  });

  it('when another template is already published for the same type and channel, then the answer is 409', async () => {
    const answer = await mc.request('PUT', '/api/v1/templates/order-copy', templateVersion({ version: 1 }), TEST_CONTROL_KEY);
    expect(answer.status).toBe(409);
    expect(answer.body.detail).toMatch(/"order" is already published for ORDER_CONFIRMATION\/email/);
  });

  it('when a template does not parse, then the 400 names the part and the position of the error', async () => {
    const answer = await mc.request(
      'PUT',
      '/api/v1/templates/broken',
      templateVersion({ eventType: 'BROKEN', html: '<p>{% if ctx.x %}never closed</p>' }),
      TEST_CONTROL_KEY,
    );
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ path: 'html', message: expect.stringMatching(/not closed.*line:1, col:4/) }]);
  });

  it('when the body is invalid, then every field error is listed', async () => {
    const answer = await mc.request('PUT', '/api/v1/templates/bad', { version: 0, channel: 'fax' }, TEST_CONTROL_KEY);
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['channel', 'eventType', 'version']);
  });

  it('when a template is unpublished, then it is gone, and unpublishing again is harmless', async () => {
    expect((await mc.request('DELETE', '/api/v1/templates/order', undefined, TEST_CONTROL_KEY)).status).toBe(204);
    expect((await mc.request('DELETE', '/api/v1/templates/order', undefined, TEST_CONTROL_KEY)).status).toBe(204);
    const listed = await mc.request('GET', '/api/v1/templates', undefined, TEST_CONTROL_KEY);
    expect(listed.body.items).toEqual([]);
  });
});
