import { z } from 'zod';
import { CHANNELS, text } from '@mc/domain';
import { eventTypeSchema } from './events';

/** A template's name: how control and the execution instances refer to it (a URL segment). */
export const templateNameSchema = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'may contain only letters, digits and _ . -');

/** A template's content, as an operator drafts it on control and as each published version carries it. */
export const templateContentSchema = z.strictObject({
  eventType: eventTypeSchema,
  channel: z.enum(CHANNELS).default('email'),
  subject: text().max(1_000).default(''),
  html: text().max(1_000_000).default(''),
  text: text().max(1_000_000).default(''),
});
export type TemplateContent = z.output<typeof templateContentSchema>;

/** A published version as control sends it to an execution instance (`PUT /api/v1/templates/:name`). */
export const publishedTemplateInputSchema = templateContentSchema.extend({ version: z.number().int().positive().max(2_147_483_647) });
export type PublishedTemplateInput = z.output<typeof publishedTemplateInputSchema>;
