import { waitFor, TEST_CONTROL_KEY } from '@mc/testing';
import { startExecutionHarness, type ExecutionHarness } from '@mc/execution/testing';
import { startControlHarness, type ControlHarness } from '@mc/control/testing';

/** Removed on the dashboard or changed by hand, every job scheduler comes back within one check. */
describe('job schedulers heal themselves', () => {
  let control: ControlHarness;
  let mc: ExecutionHarness;
  beforeAll(async () => {
    mc = await startExecutionHarness({ SCHEDULER_CHECK_EVERY_MS: '200' });
    control = await startControlHarness({ SCHEDULER_CHECK_EVERY_MS: '200' });
    expect((await control.request('POST', '/api/v1/execution-instances', { name: 'east', url: mc.baseUrl, credential: TEST_CONTROL_KEY })).status).toBe(201);
  });
  afterAll(async () => {
    await control.close();
    await mc.close();
  });

  it("when control's archiving scheduler is removed or changed, then it is back, as it was, at the next check", async () => {
    const archiving = control.control.services.queues.archiving;
    await archiving.removeJobScheduler('archive-east');
    expect(await archiving.getJobScheduler('archive-east')).toBeUndefined();
    await waitFor(async () => (await archiving.getJobScheduler('archive-east'))?.every === 3_600_000);
    await archiving.upsertJobScheduler('archive-east', { every: 1_000 }, { name: 'archive-east', data: { instance: 'east' } });
    await waitFor(async () => Number((await archiving.getJobScheduler('archive-east'))?.every) === 3_600_000);
  });

  it("when the execution instance's schedulers are removed, then they are back at the next check", async () => {
    const { updateEventStatus, reconciliation, purge } = mc.instance.queues;
    await Promise.all([
      updateEventStatus.removeJobScheduler('update-event-status'),
      reconciliation.removeJobScheduler('pending-events-reconciliation'),
      purge.removeJobScheduler('purge-archived-events'),
    ]);
    await waitFor(async () => {
      const found = await Promise.all([
        updateEventStatus.getJobScheduler('update-event-status'),
        reconciliation.getJobScheduler('pending-events-reconciliation'),
        purge.getJobScheduler('purge-archived-events'),
      ]);
      return found.every((scheduler) => scheduler !== undefined);
    });
  });
});
