import { z } from 'zod';
import { AppError, SecretBox, coerceError, envVar, text } from '@mc/domain';
import { type Logger } from '@mc/observability';
import type { ControlPrisma } from '@mc/db';

export const registrationSchema = z.strictObject({
  name: envVar.instanceName('local').unwrap(),
  url: z
    .url({ protocol: /^https?$/ })
    .max(2_000)
    .refine((url) => !URL.canParse(url) || (!new URL(url).username && !new URL(url).password), 'must not carry a user or password (send the credential apart)'),
  credential: text().min(16, 'must be at least 16 characters').max(1_000),
});
export type Registration = z.output<typeof registrationSchema>;

/** An account as the API shows it: never its credential. */
export function accountView(account: {
  name: string;
  url: string;
  archiveCursor: string | null;
  archivedCount: bigint;
  lastRunAt: Date | null;
  lastSuccessAt: Date | null;
  lastError: string | null;
  createdAt: Date;
}) {
  return {
    name: account.name,
    url: account.url,
    archiveCursor: account.archiveCursor,
    archivedEvents: Number(account.archivedCount),
    lastRunAt: account.lastRunAt,
    lastSuccessAt: account.lastSuccessAt,
    /** Seconds since the archive was last read successfully (null: never). */
    lagSeconds: account.lastSuccessAt ? Math.round((Date.now() - account.lastSuccessAt.getTime()) / 1000) : null,
    lastError: account.lastError,
    createdAt: account.createdAt,
  };
}

/** What binds a sealed credential to its account: copied onto another row, it does not open. */
function credentialContext(name: string): string {
  return `execution_instances.credential:${name}`;
}

/** Stores an account; its credential only sealed (AES-256-GCM, see SecretBox). */
export async function createAccount(prisma: ControlPrisma, secrets: SecretBox, registration: Registration) {
  try {
    return await prisma.executionInstance.create({
      data: { ...registration, credential: secrets.seal(registration.credential, credentialContext(registration.name)) },
    });
  } catch (thrown) {
    if ((thrown as { code?: string }).code === 'P2002') throw new AppError('conflict', `An execution instance named "${registration.name}" is already registered.`);
    throw thrown;
  }
}

export async function listAccounts(prisma: ControlPrisma) {
  return (await prisma.executionInstance.findMany({ orderBy: { name: 'asc' } })).map(accountView);
}

export async function deleteAccount(prisma: ControlPrisma, name: string): Promise<void> {
  const { count } = await prisma.executionInstance.deleteMany({ where: { name } });
  if (count === 0) throw new AppError('not_found', `No execution instance ${name}.`);
  await prisma.publication.deleteMany({ where: { instance: name } });
}

/** Where an account's instance is and its credential, opened; undefined when the account is gone. */
export async function loadEndpoint(prisma: ControlPrisma, secrets: SecretBox, name: string): Promise<{ url: string; credential: string } | undefined> {
  const account = await prisma.executionInstance.findUnique({ where: { name }, select: { url: true, credential: true } });
  if (!account) return undefined;
  return { url: account.url, credential: openCredential(secrets, name, account.credential) };
}

/** An account's credential as stored (sealed), opened. */
export function openCredential(secrets: SecretBox, name: string, sealed: string): string {
  return secrets.open(sealed, credentialContext(name));
}

/**
 * At start: credentials stored in clear (before they were sealed) or sealed with a previous key
 * are sealed again with the current one. Compare-and-set per row, so several control processes
 * starting at once do it once. A credential no configured key opens is left as it is and named
 * in the log (its archiving and publishing fail saying so until the key is configured).
 */
export async function sealStoredCredentials(prisma: ControlPrisma, secrets: SecretBox, logger: Logger): Promise<number> {
  let sealed = 0;
  for (const account of await prisma.executionInstance.findMany({ select: { name: true, credential: true } })) {
    if (!secrets.isStale(account.credential)) continue;
    try {
      const clear = SecretBox.isSealed(account.credential) ? secrets.open(account.credential, credentialContext(account.name)) : account.credential;
      const { count } = await prisma.executionInstance.updateMany({
        where: { name: account.name, credential: account.credential },
        data: { credential: secrets.seal(clear, credentialContext(account.name)) },
      });
      sealed += count;
    } catch (thrown) {
      logger.error('an execution-instance credential cannot be opened with the configured keys', { instance: account.name, error: coerceError(thrown).message });
    }
  }
  if (sealed > 0) logger.info('execution-instance credentials sealed with the current MC_SECRET_KEY', { accounts: sealed });
  return sealed;
}

/** The templates published right now, for a newly registered instance. */
export async function publishedTemplateNames(prisma: ControlPrisma): Promise<Array<{ name: string; version: number }>> {
  const templates = await prisma.template.findMany({ where: { publishedVersion: { not: null } }, select: { name: true, publishedVersion: true } });
  return templates.map((template) => ({ name: template.name, version: template.publishedVersion as number }));
}
