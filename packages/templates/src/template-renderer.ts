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
  /** Bytes of strings and arrays one render may allocate. */
  memoryLimit: 10_000_000,
};

/** Milliseconds one render may take (wall clock: liquidjs measures from the render's start). */
export const DEFAULT_RENDER_LIMIT_MS = 1_000;

/**
 * Liquid rendering. HTML bodies escape every output (`{{ ctx.name }}` with `<b>` gives `&lt;b&gt;`);
 * subject and text are plain text and are not escaped. Liquid runs no code of the template's
 * author; file access and runaway templates are cut off by the limits above.
 */
export class TemplateRenderer {
  private readonly htmlEngine: Liquid;
  private readonly textEngine: Liquid;
  private readonly parsed = new Map<string, { subject: Template[]; html: Template[]; text: Template[] }>();

  constructor(options: { renderLimitMs?: number } = {}) {
    const limits = { ...LIMITS, renderLimit: options.renderLimitMs ?? DEFAULT_RENDER_LIMIT_MS };
    this.htmlEngine = new Liquid({ outputEscape: 'escape', fs: noFileSystem, ...limits });
    this.textEngine = new Liquid({ fs: noFileSystem, ...limits });
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
