import { AppError } from '@mc/domain';
import { type TemplateContent } from '@mc/contract';
import type { ControlPrisma } from '@mc/db';
import type { TemplateRenderer } from '@mc/templates';
import { findPublishedRival } from '../sql/find-published-rival';
import { lockPublishSlot } from '../sql/lock-publish-slot';
import { lockTemplate } from '../sql/lock-template';
import { upsertPublications } from '../sql/upsert-publications';

/** Saves a draft; Liquid syntax errors are a 400 naming the part, line and column. */
export async function saveDraft(prisma: ControlPrisma, renderer: TemplateRenderer, name: string, draft: TemplateContent) {
  const errors = renderer.syntaxErrors({ name, version: 0, ...draft });
  if (errors.length > 0) throw new AppError('validation_failed', 'The template does not parse.', { fieldErrors: errors });
  return prisma.template.upsert({
    where: { name },
    create: { name, ...draft },
    update: { ...draft, updatedAt: new Date() },
  });
}

export async function getTemplate(prisma: ControlPrisma, name: string) {
  const template = await prisma.template.findUnique({
    where: { name },
    include: { versions: { select: { version: true, createdAt: true }, orderBy: { version: 'desc' } } },
  });
  if (!template) throw new AppError('not_found', `No template ${name}.`);
  const publications = await prisma.publication.findMany({ where: { templateName: name }, orderBy: { instance: 'asc' } });
  return { ...template, publications };
}

export function listTemplates(prisma: ControlPrisma) {
  return prisma.template.findMany({ orderBy: { name: 'asc' } });
}

/**
 * A new immutable version from the draft, made the published one. At most one template is
 * published per (event type, channel): another one published for the same pair is a conflict.
 */
export async function createPublishedVersion(prisma: ControlPrisma, name: string): Promise<{ version: number; instances: string[] }> {
  return prisma.$transaction(async (tx) => {
    const template = await lockTemplate(tx, name);
    if (!template) throw new AppError('not_found', `No template ${name}.`);
    const draft = await tx.template.findUniqueOrThrow({ where: { name } });
    // One publication at a time per (event type, channel), and the rival looked for is what is
    // *published* (its version's type and channel), not what its draft says now.
    await lockPublishSlot(tx, draft.eventType, draft.channel);
    const rival = await findPublishedRival(tx, name, draft.eventType, draft.channel);
    if (rival) {
      throw new AppError('conflict', `Template "${rival.name}" is already published for ${draft.eventType}/${draft.channel}; unpublish it first.`);
    }
    const latest = await tx.templateVersion.findFirst({ where: { templateName: name }, orderBy: { version: 'desc' } });
    const version = (latest?.version ?? 0) + 1;
    await tx.templateVersion.create({
      data: {
        templateName: name,
        version,
        eventType: draft.eventType,
        channel: draft.channel,
        subject: draft.subject,
        html: draft.html,
        text: draft.text,
        from: draft.from,
        replyTo: draft.replyTo,
        listUnsubscribe: draft.listUnsubscribe,
      },
    });
    await tx.template.update({ where: { name }, data: { publishedVersion: version } });
    const instances = (await tx.executionInstance.findMany({ select: { name: true } })).map((account) => account.name);
    await upsertPublications(tx, name, instances, 'publish', version);
    return { version, instances };
  });
}

/** Marks a template unpublished; every instance is to remove it. */
export async function markUnpublished(prisma: ControlPrisma, name: string): Promise<{ instances: string[] }> {
  return prisma.$transaction(async (tx) => {
    const template = await tx.template.findUnique({ where: { name } });
    if (!template) throw new AppError('not_found', `No template ${name}.`);
    const version = template.publishedVersion ?? 0;
    await tx.template.update({ where: { name }, data: { publishedVersion: null } });
    const instances = (await tx.executionInstance.findMany({ select: { name: true } })).map((account) => account.name);
    await upsertPublications(tx, name, instances, 'unpublish', version);
    return { instances };
  });
}
