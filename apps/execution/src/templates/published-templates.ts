import type pg from 'pg';
import { AppError, type Channel } from '@mc/domain';
import { type PublishedTemplateInput } from '@mc/contract';
import type { ExecutionPrisma } from '@mc/db';
import type { TemplateVersion } from '@mc/templates';
import { loadTemplateVersions } from '../sql/load-template-versions';

export interface PublishedTemplate extends TemplateVersion {
  eventType: string;
  channel: Channel;
  publishedAt: Date;
}

/**
 * Stores a published version. Idempotent and order-proof: a version older than the one in place
 * changes nothing (a retried, late publication cannot roll a template back). Another template
 * already published for the same (event type, channel) is a conflict.
 */
export async function upsertPublishedTemplate(
  prisma: ExecutionPrisma,
  name: string,
  input: PublishedTemplateInput,
): Promise<{ template: PublishedTemplate; changed: boolean }> {
  return storeVersion(prisma, name, input).catch((thrown: unknown) => {
    // Two templates published for one (event type, channel) at the same moment: the unique index decides.
    if ((thrown as { code?: unknown }).code === 'P2002') {
      throw new AppError('conflict', `Another template is already published for ${input.eventType}/${input.channel}; unpublish it first.`);
    }
    throw thrown;
  });
}

function storeVersion(prisma: ExecutionPrisma, name: string, input: PublishedTemplateInput): Promise<{ template: PublishedTemplate; changed: boolean }> {
  return prisma.$transaction(async (tx) => {
    const holder = await tx.publishedTemplate.findUnique({
      where: { eventType_channel: { eventType: input.eventType, channel: input.channel } },
    });
    if (holder && holder.name !== name) {
      throw new AppError(
        'conflict',
        `Template "${holder.name}" is already published for ${input.eventType}/${input.channel}; unpublish it first.`,
      );
    }
    const current = await tx.publishedTemplate.findUnique({ where: { name } });
    if (current && current.version >= input.version) return { template: current, changed: false };
    const template = await tx.publishedTemplate.upsert({
      where: { name },
      create: { name, ...input },
      update: { ...input, publishedAt: new Date() },
    });
    return { template, changed: true };
  });
}

export async function deletePublishedTemplate(prisma: ExecutionPrisma, name: string): Promise<boolean> {
  const { count } = await prisma.publishedTemplate.deleteMany({ where: { name } });
  return count > 0;
}

export function listPublishedTemplates(prisma: ExecutionPrisma): Promise<PublishedTemplate[]> {
  return prisma.publishedTemplate.findMany({ orderBy: { name: 'asc' } });
}

/**
 * Published versions by name, with a process-wide cache: a (name, version) never changes, so a
 * cached one never goes stale. Only versions not seen yet cost a query.
 */
export class TemplateVersionCache {
  private readonly versions = new Map<string, TemplateVersion>();

  constructor(private readonly pool: pg.Pool) {}

  /** The versions asked for; a newer one where it replaced the one asked for in the meantime. */
  async get(refs: ReadonlyArray<{ name: string; version: number }>): Promise<Map<string, TemplateVersion>> {
    const found = new Map<string, TemplateVersion>();
    const missing = new Set<string>();
    for (const ref of refs) {
      const cached = this.versions.get(versionKey(ref.name, ref.version));
      if (cached) found.set(ref.name, cached);
      else missing.add(ref.name);
    }
    if (missing.size > 0) {
      for (const row of await loadTemplateVersions(this.pool, [...missing])) {
        if (this.versions.size >= 1_000) this.versions.clear();
        this.versions.set(versionKey(row.name, row.version), row);
        found.set(row.name, row);
      }
    }
    return found;
  }
}

function versionKey(name: string, version: number): string {
  return `${name}@${version}`;
}
