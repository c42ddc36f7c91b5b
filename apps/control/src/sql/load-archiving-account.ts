import type { Queryable } from './queryable';
import type { ExecutionInstanceRow } from './rows';

export type ArchivingAccountRow = Pick<ExecutionInstanceRow, 'url' | 'credential' | 'archive_cursor'>;

/** Where an account's instance is, its sealed credential and its archive cursor; undefined when the account is gone. */
export async function loadArchivingAccount(db: Queryable, instance: string): Promise<ArchivingAccountRow | undefined> {
  const { rows } = await db.query<ArchivingAccountRow>({
    name: 'mc_load_archiving_account',
    text: 'SELECT url, credential, archive_cursor FROM execution_instances WHERE name = $1',
    values: [instance],
  });
  return rows[0];
}
