import type pg from 'pg';
import type { TemplateVersion } from '@mc/templates';

/** The published version of each of these templates (a template unpublished since is missing). */
export async function loadTemplateVersions(pool: pg.Pool, names: readonly string[]): Promise<TemplateVersion[]> {
  const { rows } = await pool.query<TemplateVersion>(`SELECT name, version, subject, html, text, from_address AS "from", reply_to AS "replyTo", list_unsubscribe AS "listUnsubscribe"
     FROM published_templates WHERE name = ANY($1::text[])`, [names]);
  return rows;
}
