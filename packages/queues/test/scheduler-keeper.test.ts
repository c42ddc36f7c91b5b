import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { keepSchedulers, type DesiredScheduler } from '../src';
import { capturedLogger, deleteRedisPrefix, randomQueuePrefix, TEST_REDIS_URL } from '@mc/testing';

/** The job schedulers put themselves back: removed, changed, or no longer wanted. */
describe('keepSchedulers', () => {
  const prefix = randomQueuePrefix();
  let redis: Redis;
  let queue: Queue;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue('archiving', { connection: redis, prefix });
  });
  afterAll(async () => {
    await queue.close();
    redis.disconnect();
    await deleteRedisPrefix(prefix);
  });

  it('when a scheduler is removed, changed or no longer wanted, then one check puts things right and logs each', async () => {
    const { logger, lines } = capturedLogger();
    let desired: DesiredScheduler[] = ['east', 'west'].map((name) => ({ queue, id: `archive-${name}`, everyMs: 60_000, data: { instance: name } }));
    const keeper = keepSchedulers({ desired: () => Promise.resolve(desired), owned: [{ queue, prefix: 'archive-' }], logger, everyMs: 3_600_000 });
    try {
      expect(await keeper.check()).toEqual({ restored: 0, removed: 0 });
      expect(lines).toEqual([]);
      const keys = async () => (await queue.getJobSchedulers(0, -1)).map((scheduler) => `${scheduler.key}@${scheduler.every}`).sort();
      expect(await keys()).toEqual(['archive-east@60000', 'archive-west@60000']);

      await queue.removeJobScheduler('archive-east');
      await queue.upsertJobScheduler('archive-west', { every: 5_000 }, { name: 'archive-west', data: { instance: 'west' } });
      await queue.upsertJobScheduler('unrelated', { every: 5_000 }, { name: 'unrelated', data: {} });
      expect(await keeper.check()).toEqual({ restored: 2, removed: 0 });
      expect(await keys()).toEqual(['archive-east@60000', 'archive-west@60000', 'unrelated@5000']);
      expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
        expect.objectContaining({ level: 'warn', message: 'job scheduler was missing; restored', scheduler: 'archive-east', queue: 'archiving' }),
        expect.objectContaining({ level: 'warn', message: 'job scheduler was changed; put back', scheduler: 'archive-west', foundEveryMs: 5_000 }),
      ]);

      desired = desired.filter((scheduler) => scheduler.id !== 'archive-west');
      expect(await keeper.check()).toEqual({ restored: 0, removed: 1 });
      expect(await keys()).toEqual(['archive-east@60000', 'unrelated@5000']);
    } finally {
      keeper.close();
    }
  });
});
