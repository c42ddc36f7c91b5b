import type { Queryable } from './queryable';

/**
 * Takes the session lock of one (template, instance) on this client, waiting for it: jobs for one
 * pair take turns. Held until `unlockPublication` on the same client (or the session ends).
 */
export async function lockPublication(client: Queryable, templateName: string, instance: string): Promise<void> {
  await client.query({ name: 'mc_lock_publication', text: 'SELECT pg_advisory_lock(hashtext($1))', values: [`publication:${templateName}:${instance}`] });
}
