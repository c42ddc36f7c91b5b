import { z } from 'zod';
import { AppError, envVar, text } from '@mc/domain';
import type { ControlPrisma } from '@mc/db';

export const registrationSchema = z.strictObject({
  name: envVar.instanceName('local').unwrap(),
  url: z
    .url({ protocol: /^https?$/ })
    .max(2_000)
    .refine((url) => !new URL(url).username && !new URL(url).password, 'must not carry a user or password (send the credential apart)'),
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

export async function createAccount(prisma: ControlPrisma, registration: Registration) {
  try {
    return await prisma.executionInstance.create({ data: registration });
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

/** The templates published right now, for a newly registered instance. */
export async function publishedTemplateNames(prisma: ControlPrisma): Promise<Array<{ name: string; version: number }>> {
  const templates = await prisma.template.findMany({ where: { publishedVersion: { not: null } }, select: { name: true, publishedVersion: true } });
  return templates.map((template) => ({ name: template.name, version: template.publishedVersion as number }));
}
