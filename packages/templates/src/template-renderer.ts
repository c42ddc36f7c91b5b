import { Liquid, type Template } from 'liquidjs';
import { coerceError, type FieldError } from '@mc/domain';

/** A published template version: immutable, so its parsed form can be cached for good. */
export interface TemplateVersion {
  name: string;
  version: number;
  subject: string;
  html: string;
  text: string;
  /** Email headers of the template (null: the instance's); `listUnsubscribe` is Liquid. */
  from?: string | null;
  replyTo?: string | null;
  listUnsubscribe?: string | null;
}

/** The headers a rendered message carries beyond the instance's defaults. */
export interface MessageHeaders {
  from?: string;
  replyTo?: string;
  listUnsubscribe?: string;
}

export interface RenderedMessage {
  subject: string;
  html: string;
  text: string;
  /** Null when the template sets none. */
  headers: MessageHeaders | null;
}

/** A rendered List-Unsubscribe URL goes in one header line between angle brackets. */
const UNSUBSCRIBE_URL = /^(?:https?:\/\/|mailto:)[^\s<>]+$/i;
const UNSUBSCRIBE_MAX = 900;

type Parts = 'subject' | 'html' | 'text' | 'listUnsubscribe';

/** Templates may not read files: `{% include %}` and `{% render %}` find nothing. */
const noFileSystem = {
  exists: () => Promise.resolve(false),
  existsSync: () => false,
  readFile: () => Promise.reject(new Error('templates cannot include files')),
  readFileSync: () => {
    throw new Error('templates cannot include files');
  },
  resolve: (_root: string, file: string) => file,
  contains: () => Promise.resolve(false),
  sep: '/',
};

const LIMITS = {
  relativeReference: false,
  /** Template source characters parsed at most. */
  parseLimit: 1_000_000,
  /** Bytes of strings and arrays one render may allocate. */
  memoryLimit: 10_000_000,
};

/** Milliseconds one render may take (wall clock: liquidjs measures from the render's start). */
export const DEFAULT_RENDER_LIMIT_MS = 1_000;

/**
 * `{% assign articles = ctx.orderdetails.article | asArray %}{% for article in articles %}`: a list
 * whether the value is one (an object: a Campaign Classic ctx with a single repeated element) or
 * many; nothing gives `[]`. (Liquid's `for` takes no filter: assign first.)
 */
export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * Liquid rendering. HTML bodies escape every output (`{{ ctx.name }}` with `<b>` gives `&lt;b&gt;`);
 * subject and text are plain text and are not escaped. Liquid runs no code of the template's
 * author; file access and runaway templates are cut off by the limits above.
 */
export class TemplateRenderer {
  private readonly htmlEngine: Liquid;
  private readonly textEngine: Liquid;
  private readonly parsed = new Map<string, Record<Parts, Template[]>>();

  constructor(options: { renderLimitMs?: number } = {}) {
    const limits = { ...LIMITS, renderLimit: options.renderLimitMs ?? DEFAULT_RENDER_LIMIT_MS };
    this.htmlEngine = new Liquid({ outputEscape: 'escape', fs: noFileSystem, ...limits });
    this.textEngine = new Liquid({ fs: noFileSystem, ...limits });
    for (const engine of [this.htmlEngine, this.textEngine]) engine.registerFilter('asArray', asArray);
  }

  /**
   * Renders synchronously. The render limit is wall-clock time from the render's start, so an
   * asynchronous render shares its budget with everything interleaved with it: a chunk of 1,200
   * events rendered at once gave each render the time of all of them, and on a loaded machine
   * good events were refused as "template render limit exceeded". A synchronous render is
   * charged for its own work only (templates read no files, so nothing in them is asynchronous).
   */
  render(template: TemplateVersion, scope: Record<string, unknown>): RenderedMessage {
    const parsed = this.parse(template);
    const subject = this.textEngine.renderSync(parsed.subject, scope) as string;
    const html = this.htmlEngine.renderSync(parsed.html, scope) as string;
    const text = this.textEngine.renderSync(parsed.text, scope) as string;
    return { subject: subject.trim(), html, text, headers: this.renderHeaders(template, parsed.listUnsubscribe, scope) };
  }

  private renderHeaders(template: TemplateVersion, listUnsubscribe: Template[], scope: Record<string, unknown>): MessageHeaders | null {
    if (!template.from && !template.replyTo && !template.listUnsubscribe) return null;
    const headers: MessageHeaders = {};
    if (template.from) headers.from = template.from;
    if (template.replyTo) headers.replyTo = template.replyTo;
    if (template.listUnsubscribe) {
      const url = (this.textEngine.renderSync(listUnsubscribe, scope) as string).trim();
      if (!UNSUBSCRIBE_URL.test(url) || url.length > UNSUBSCRIBE_MAX) {
        throw new Error(`listUnsubscribe rendered to ${JSON.stringify(url.slice(0, 100))}: not an https://, http:// or mailto: URL of at most ${UNSUBSCRIBE_MAX} characters without spaces or angle brackets`);
      }
      headers.listUnsubscribe = url;
    }
    return headers;
  }

  /** Parses (once per name and version) and throws on a syntax error, with its position. */
  parse(template: TemplateVersion): Record<Parts, Template[]> {
    const key = `${template.name}@${template.version}`;
    let parsed = this.parsed.get(key);
    if (!parsed) {
      parsed = {
        subject: this.textEngine.parse(template.subject),
        html: this.htmlEngine.parse(template.html),
        text: this.textEngine.parse(template.text),
        listUnsubscribe: this.textEngine.parse(template.listUnsubscribe ?? ''),
      };
      if (this.parsed.size > 1_000) this.parsed.clear();
      this.parsed.set(key, parsed);
    }
    return parsed;
  }

  /** Liquid syntax errors of each part, with their line and column, for a 400. */
  syntaxErrors(template: TemplateVersion): FieldError[] {
    const errors: FieldError[] = [];
    const parts = [
      ['subject', this.textEngine],
      ['html', this.htmlEngine],
      ['text', this.textEngine],
      ['listUnsubscribe', this.textEngine],
    ] as const;
    for (const [part, engine] of parts) {
      try {
        engine.parse(template[part] ?? '');
      } catch (thrown) {
        errors.push({ path: part, message: coerceError(thrown).message });
      }
    }
    return errors;
  }
}
