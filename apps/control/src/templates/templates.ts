import { AppError } from '@mc/domain';
import { type TemplateContent } from '@mc/contract';
import type { ControlPrisma } from '@mc/db';
import type { TemplateRenderer } from '@mc/templates';

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
    const [template] = await tx.$queryRaw<Array<{ event_type: string; channel: string }>>`
      SELECT event_type, channel::text FROM templates WHERE name = ${name} FOR UPDATE`;
    if (!template) throw new AppError('not_found', `No template ${name}.`);
    const draft = await tx.template.findUniqueOrThrow({ where: { name } });
    // One publication at a time per (event type, channel), and the rival looked for is what is
    // *published* (its version's type and channel), not what its draft says now.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`publish:${draft.eventType}:${draft.channel}`}))`;
    const [rival] = await tx.$queryRaw<Array<{ name: string }>>`
      SELECT t.name FROM templates t
      JOIN template_versions v ON v.template_name = t.name AND v.version = t.published_version
      WHERE v.event_type = ${draft.eventType} AND v.channel::text = ${draft.channel} AND t.name <> ${name}
      LIMIT 1`;
    if (rival) {
      throw new AppError('conflict', `Template "${rival.name}" is already published for ${draft.eventType}/${draft.channel}; unpublish it first.`);
    }
    const latest = await tx.templateVersion.findFirst({ where: { templateName: name }, orderBy: { version: 'desc' } });
    const version = (latest?.version ?? 0) + 1;
    await tx.templateVersion.create({
      data: { templateName: name, version, eventType: draft.eventType, channel: draft.channel, subject: draft.subject, html: draft.html, text: draft.text },
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

type Tx = Parameters<Parameters<ControlPrisma['$transaction']>[0]>[0];

/**
 * Sets what each instance should have of a template. Never goes back to an older version: a
 * registration that read "v1 is published" just before v2 was, cannot undo v2's publication.
 */
export async function upsertPublications(tx: Tx | ControlPrisma, templateName: string, instances: string[], action: 'publish' | 'unpublish', version: number) {
  for (const instance of instances) {
    await tx.$executeRaw`
      INSERT INTO publications (template_name, instance, action, version, state, attempts, last_error, updated_at)
      VALUES (${templateName}, ${instance}, ${action}::"PublicationAction", ${version}, 'pending', 0, NULL, now())
      ON CONFLICT (template_name, instance) DO UPDATE
      SET action = EXCLUDED.action, version = EXCLUDED.version, state = 'pending', attempts = 0, last_error = NULL, updated_at = now()
      WHERE publications.version <= EXCLUDED.version`;
  }
}
