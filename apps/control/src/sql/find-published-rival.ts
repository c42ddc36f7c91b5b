import type { PrismaQueryable } from './queryable';

/**
 * Another template *published* for this (event type, channel) — its published version's type and
 * channel, not what its draft says now; undefined when there is none.
 */
export async function findPublishedRival(tx: PrismaQueryable, name: string, eventType: string, channel: string): Promise<{ name: string } | undefined> {
  const [rival] = await tx.$queryRaw<Array<{ name: string }>>`
      SELECT t.name FROM templates t
      JOIN template_versions v ON v.template_name = t.name AND v.version = t.published_version
      WHERE v.event_type = ${eventType} AND v.channel::text = ${channel} AND t.name <> ${name}
      LIMIT 1`;
  return rival;
}
