import type { PrismaQueryable } from './queryable';

/**
 * One publication at a time per (event type, channel): a lock held until the end of the
 * transaction run on `tx`.
 */
export async function lockPublishSlot(tx: PrismaQueryable, eventType: string, channel: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`publish:${eventType}:${channel}`}))`;
}
