import type { PrismaQueryable } from './queryable';

/**
 * Sets what each instance should have of a template. Never goes back to an older version: a
 * registration that read "v1 is published" just before v2 was, cannot undo v2's publication.
 * Run on the transaction's client when it is part of one.
 */
export async function upsertPublications(tx: PrismaQueryable, templateName: string, instances: readonly string[], action: 'publish' | 'unpublish', version: number): Promise<void> {
  for (const instance of instances) {
    await tx.$executeRaw`
      INSERT INTO publications (template_name, instance, action, version, state, attempts, last_error, updated_at)
      VALUES (${templateName}, ${instance}, ${action}::"PublicationAction", ${version}, 'pending', 0, NULL, now())
      ON CONFLICT (template_name, instance) DO UPDATE
      SET action = EXCLUDED.action, version = EXCLUDED.version, state = 'pending', attempts = 0, last_error = NULL, updated_at = now()
      WHERE publications.version <= EXCLUDED.version`;
  }
}
