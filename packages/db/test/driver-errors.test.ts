import { classifyError } from '@mc/observability';
import { openExecutionDatabase } from '../src';
import { cloneTestDatabase, type TestDatabase } from '@mc/testing';

/** The one classifier reads the real errors Prisma's driver adapter raises, not look-alikes. */
describe('driver errors, as Prisma 7 and pg raise them', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await cloneTestDatabase('execution');
  });
  afterAll(() => database.drop());

  it('when PostgreSQL refuses a value through Prisma (SQL state in meta.driverAdapterError), then it is a 400', async () => {
    const db = openExecutionDatabase({ databaseUrl: database.url, poolSize: 1 });
    try {
      const nul = await db.prisma.event.findMany({ where: { externalId: 'a\u0000b' } }).catch((thrown: unknown) => thrown);
      expect(classifyError(nul)).toMatchObject({ code: 'validation_failed', status: 400 });
      const year0 = await db.prisma.suppression.findMany({ where: { createdAt: new Date('0000-01-01T00:00:00Z') } }).catch((thrown: unknown) => thrown);
      expect(classifyError(year0)).toMatchObject({ code: 'validation_failed', status: 400 });
      const raw = await db.pool.query('SELECT $1::text', ['a\u0000']).catch((thrown: unknown) => thrown);
      expect(classifyError(raw)).toMatchObject({ code: 'validation_failed', status: 400 });
    } finally {
      await db.close();
    }
  });

  it('when the database cannot be reached through Prisma, then it is a 503', async () => {
    const db = openExecutionDatabase({ databaseUrl: 'postgresql://postgres@127.0.0.1:1/nowhere', poolSize: 1, connectionTimeoutMs: 500 });
    try {
      const thrown = await db.prisma.event.count().catch((error: unknown) => error);
      expect(classifyError(thrown)).toMatchObject({ code: 'unavailable', status: 503, retryable: true });
    } finally {
      await db.close();
    }
  });
});
