import type { PrismaQueryable } from './queryable';

export interface LockedTemplateRow {
  event_type: string;
  channel: string;
}

/**
 * Locks a template's row for the rest of the transaction and reads its draft's event type and
 * channel; undefined when there is no such template.
 */
export async function lockTemplate(tx: PrismaQueryable, name: string): Promise<LockedTemplateRow | undefined> {
  const [template] = await tx.$queryRaw<LockedTemplateRow[]>`
      SELECT event_type, channel::text FROM templates WHERE name = ${name} FOR UPDATE`;
  return template;
}
