import type pg from 'pg';
import type { ControlPrisma } from '@mc/db';

/**
 * What a statement runs on: the pool, or one client taken from it when the statement belongs to
 * a transaction or a session lock held on that client.
 */
export interface Queryable {
  query: pg.Pool['query'];
}

/**
 * What a raw statement run inside a Prisma transaction runs on: the transaction's client (or the
 * Prisma client itself, outside one).
 */
export type PrismaQueryable = Pick<ControlPrisma, '$queryRaw' | '$executeRaw'>;
