import { Liquid, type Template } from 'liquidjs';
import { coerceError, type FieldError } from '@mc/domain';

/** A published template version: immutable, so its parsed form can be cached for good. */
export interface TemplateVersion {
  name: string;
  version: number;
  subject: string;
  html: string;
  text: string;
}

export interface RenderedMessage {
  subject: string;
  html: string;
  text: string;
}

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
  /** Milliseconds one render may take. */
  renderLimit: 1_000,
  /** Bytes of strings and arrays one render may allocate. */
  memoryLimit: 10_000_000,
};

/**
 * Liquid rendering. HTML bodies escape every output (`{{ ctx.name }}` with `<b>` gives `&lt;b&gt;`);
 * subject and text are plain text and are not escaped. Liquid runs no code of the template's
 * author; file access and runaway templates are cut off by the limits above.
 */
export class TemplateRenderer {
  private readonly htmlEngine = new Liquid({ outputEscape: 'escape', fs: noFileSystem, ...LIMITS });
  private readonly textEngine = new Liquid({ fs: noFileSystem, ...LIMITS });
  private readonly parsed = new Map<string, { subject: Template[]; html: Template[]; text: Template[] }>();

  async render(template: TemplateVersion, scope: Record<string, unknown>): Promise<RenderedMessage> {
    const parsed = this.parse(template);
    const [subject, html, text] = await Promise.all([
      this.textEngine.render(parsed.subject, scope) as Promise<string>,
      this.htmlEngine.render(parsed.html, scope) as Promise<string>,
      this.textEngine.render(parsed.text, scope) as Promise<string>,
    ]);
    return { subject: subject.trim(), html, text };
  }

  /** Parses (once per name and version) and throws on a syntax error, with its position. */
  parse(template: TemplateVersion): { subject: Template[]; html: Template[]; text: Template[] } {
    const key = `${template.name}@${template.version}`;
    let parsed = this.parsed.get(key);
    if (!parsed) {
      parsed = {
        subject: this.textEngine.parse(template.subject),
        html: this.htmlEngine.parse(template.html),
        text: this.textEngine.parse(template.text),
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
    ] as const;
    for (const [part, engine] of parts) {
      try {
        engine.parse(template[part]);
      } catch (thrown) {
        errors.push({ path: part, message: coerceError(thrown).message });
      }
    }
    return errors;
  }
}
