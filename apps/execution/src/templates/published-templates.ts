import type pg from 'pg';
import { z } from 'zod';
import { AppError, CHANNELS, type Channel } from '@mc/domain';
import type { ExecutionPrisma } from '@mc/db';
import type { TemplateVersion } from './template-renderer';

/** What the control instance sends to publish a version (`PUT /api/v1/templates/:name`). */
export const publishedTemplateInputSchema = z.strictObject({
  version: z.number().int().positive(),
  eventType: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/),
  channel: z.enum(CHANNELS),
  subject: z.string().max(1_000).default(''),
  html: z.string().max(1_000_000).default(''),
  text: z.string().max(1_000_000).default(''),
});
export type PublishedTemplateInput = z.output<typeof publishedTemplateInputSchema>;

export const templateNameSchema = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'may contain only letters, digits and _ . -');

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

/** The published templates for these (event type, channel) pairs, in one query. */
export async function findTemplatesFor(
  pool: pg.Pool,
  pairs: ReadonlyArray<{ type: string; channel: Channel }>,
): Promise<Map<string, PublishedTemplate>> {
  if (pairs.length === 0) return new Map();
  const { rows } = await pool.query<{
    name: string;
    version: number;
    event_type: string;
    channel: Channel;
    subject: string;
    html: string;
    text: string;
    published_at: Date;
  }>(
    `SELECT name, version, event_type, channel, subject, html, text, published_at
     FROM published_templates
     WHERE (event_type, channel) IN (SELECT * FROM unnest($1::text[], $2::"Channel"[]))`,
    [pairs.map((pair) => pair.type), pairs.map((pair) => pair.channel)],
  );
  return new Map(
    rows.map((row) => [
      templateKey(row.event_type, row.channel),
      {
        name: row.name,
        version: row.version,
        eventType: row.event_type,
        channel: row.channel,
        subject: row.subject,
        html: row.html,
        text: row.text,
        publishedAt: row.published_at,
      },
    ]),
  );
}

export function templateKey(type: string, channel: Channel): string {
  return `${type}\u0000${channel}`;
}
