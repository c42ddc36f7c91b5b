import { startExecutionHarness, type ExecutionHarness } from '../testing';

describe('roles start only what they need', () => {
  let mc: ExecutionHarness;
  beforeAll(async () => {
    mc = await startExecutionHarness({ MC_ROLE: 'api' });
  });
  afterAll(() => mc.close());

  it('when the role is api, then it serves HTTP and opens no transport and runs no worker', async () => {
    expect(mc.instance.server?.listening).toBe(true);
    expect(mc.instance.app).toBeDefined();
    expect(mc.instance.transports).toBeUndefined();
    expect(mc.instance.processing).toBeUndefined();
    expect(mc.instance.workers).toEqual([]);
    expect((await fetch(`${mc.baseUrl}/health`)).status).toBe(200);
  });

  it('when the role is worker, then it runs the workflows with their transports and serves no HTTP', async () => {
    const worker = await mc.startSibling({ MC_ROLE: 'worker' });
    expect(worker.server).toBeUndefined();
    expect(worker.app).toBeUndefined();
    expect(worker.intake).toBeUndefined();
    expect(worker.transports?.senders.email).toBeDefined();
    expect(worker.workers.map((w) => w.name).sort()).toEqual(
      ['batchEventsProcessing', 'pendingEventsReconciliation', 'purgeArchivedEvents', 'rtEventsProcessing', 'updateEventStatus', 'webhookDelivery', 'webhookFanout'].sort(),
    );
  });
});
