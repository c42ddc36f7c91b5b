import type { Queryable } from './queryable';

/** Releases the session lock `lockPublication` took on this same client. */
export async function unlockPublication(client: Queryable, templateName: string, instance: string): Promise<void> {
  await client.query({ name: 'mc_unlock_publication', text: 'SELECT pg_advisory_unlock(hashtext($1))', values: [`publication:${templateName}:${instance}`] });
}
