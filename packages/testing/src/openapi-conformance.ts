import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { JsonAnswer } from './json-request';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: object }> }>;
}
type Document = { paths: Record<string, Record<string, Operation>> };

/**
 * The document checked by an independent OpenAPI validator (@seriousme/openapi-schema-validator,
 * against the OpenAPI 3.1 meta-schemas), run as its own CLI (the package is ESM only): its
 * errors, none when valid.
 */
export async function openApiDocumentErrors(document: object): Promise<unknown[]> {
  const directory = await mkdtemp(path.join(tmpdir(), 'mc-openapi-'));
  const file = path.join(directory, 'openapi.json');
  try {
    await writeFile(file, JSON.stringify(document));
    const cli = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js');
    const output = await promisify(execFile)(process.execPath, [cli, file]).then(
      (done) => done.stdout,
      (failed: { stdout?: string }) => failed.stdout ?? '{"valid":false,"errors":["the validator did not run"]}',
    );
    const result = JSON.parse(output) as { valid: boolean; errors?: unknown[] };
    return result.valid ? [] : (result.errors ?? ['invalid']);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/**
 * Real answers checked against an OpenAPI document: each answer must be of a documented
 * operation and status, with the documented media type, and its body must validate against the
 * documented schema (Ajv, JSON Schema 2020-12). Remembers which (operation, status) were seen.
 */
export class OpenApiConformance {
  private readonly ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  private readonly templates: Array<{ path: string; pattern: RegExp; params: number }>;
  readonly seen = new Set<string>();
  readonly problems: string[] = [];

  constructor(private readonly document: Document) {
    this.templates = Object.keys(document.paths)
      .map((path) => ({
        path,
        pattern: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
        params: (path.match(/\{/g) ?? []).length,
      }))
      // The most specific first: `/events/batch` before `/events/{id}`.
      .sort((a, b) => a.params - b.params);
  }

  /** The documented path a concrete one (`/api/v1/events/0190…`) is an instance of. */
  templateOf(method: string, path: string): string | undefined {
    const bare = path.split('?')[0] ?? path;
    return this.templates.find((template) => template.pattern.test(bare) && this.document.paths[template.path]?.[method.toLowerCase()])?.path;
  }

  /** Checks one answer; what is wrong is added to `problems`. */
  check(method: string, path: string, answer: Pick<JsonAnswer, 'status' | 'body' | 'headers'>): void {
    const where = `${method} ${path} → ${answer.status}`;
    const template = this.templateOf(method, path);
    if (!template) return void this.problems.push(`${where}: no documented operation`);
    const operation = this.document.paths[template]?.[method.toLowerCase()] as Operation;
    const documented = operation.responses[String(answer.status)];
    if (!documented) return void this.problems.push(`${where}: status not documented for ${method} ${template}`);
    this.seen.add(`${method.toUpperCase()} ${template} ${answer.status}`);
    const type = answer.headers.get('content-type')?.split(';')[0]?.trim();
    const media = documented.content;
    if (!media) {
      if (answer.body !== undefined) this.problems.push(`${where}: a body where none is documented`);
      return;
    }
    if (!type || !media[type]) return void this.problems.push(`${where}: content type ${type} is not documented (${Object.keys(media).join(', ')})`);
    const schema = media[type].schema;
    if (schema && !this.ajv.validate(schema, answer.body)) {
      this.problems.push(`${where}: ${this.ajv.errorsText(this.ajv.errors, { separator: '; ' })}`);
    }
  }
}
