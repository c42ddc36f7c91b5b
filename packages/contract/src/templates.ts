import { z } from 'zod';
import { CHANNELS, text } from '@mc/domain';
import { eventTypeSchema } from './events';

/** A template's name: how control and the execution instances refer to it (a URL segment). */
export const templateNameSchema = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'may contain only letters, digits and _ . -');

const ADDRESS = String.raw`[A-Za-z0-9.!#$%&'*+/=?^_\x60{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*`;
/** `Shop <no-reply@shop.example>` or `no-reply@shop.example`: one mailbox, on one line. */
const MAILBOX = new RegExp(String.raw`^(?:${ADDRESS}|[^<>\u0000-\u001f\u007f]*<${ADDRESS}>)$`);

function mailbox() {
  return text().max(320).regex(MAILBOX, 'must be one address, e.g. "Shop <no-reply@shop.example>" or no-reply@shop.example').nullable().default(null);
}

/**
 * The message headers a template may set (email only); null: the instance's From and Reply-To,
 * no List-Unsubscribe. `listUnsubscribe` is Liquid (e.g. `https://shop.example/unsubscribe/{{ event.id }}`)
 * and gives `List-Unsubscribe: <…>`, with RFC 8058's one-click `List-Unsubscribe-Post` for an https URL.
 */
const headerFields = {
  from: mailbox(),
  replyTo: mailbox(),
  listUnsubscribe: text()
    .max(2_000)
    // What it renders to is checked per event (one URL, no spaces or angle brackets); here, its form.
    .regex(/^(?:https?:\/\/|mailto:)[^\r\n]+$/i, 'must be an https://, http:// or mailto: URL (Liquid allowed), on one line')
    .nullable()
    .default(null),
};
export type TemplateHeaders = { [K in keyof typeof headerFields]: string | null };

const contentFields = {
  eventType: eventTypeSchema,
  channel: z.enum(CHANNELS).default('email'),
  subject: text().max(1_000).default(''),
  html: text().max(1_000_000).default(''),
  text: text().max(1_000_000).default(''),
  ...headerFields,
};

/** Headers are email's: an SMS template that sets one is refused rather than silently ignored. */
function emailOnlyHeaders(content: { channel: string } & TemplateHeaders, context: z.RefinementCtx): void {
  if (content.channel === 'email') return;
  for (const field of Object.keys(headerFields) as Array<keyof TemplateHeaders>) {
    if (content[field] !== null) context.addIssue({ code: 'custom', path: [field], message: `is for email templates only, not ${content.channel}` });
  }
}

/** A template's content, as an operator drafts it on control and as each published version carries it. */
export const templateContentSchema = z.strictObject(contentFields).superRefine(emailOnlyHeaders);
export type TemplateContent = z.output<typeof templateContentSchema>;

/** A published version as control sends it to an execution instance (`PUT /api/v1/templates/:name`). */
export const publishedTemplateInputSchema = z
  .strictObject({ ...contentFields, version: z.number().int().positive().max(2_147_483_647) })
  .superRefine(emailOnlyHeaders);
export type PublishedTemplateInput = z.output<typeof publishedTemplateInputSchema>;

/** A template's content as the APIs answer it (drafts on control, published versions on an execution instance). */
export const templateContentViewFields = {
  eventType: z.string(),
  channel: z.enum(CHANNELS),
  subject: z.string(),
  html: z.string(),
  text: z.string(),
  from: z.string().nullable(),
  replyTo: z.string().nullable(),
  listUnsubscribe: z.string().nullable(),
};
