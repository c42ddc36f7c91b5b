import { z } from 'zod';
import { problemSchema } from './producer-api';

/**
 * OpenAPI 3.1 documents built from the zod schemas that validate requests and describe answers:
 * one source, so the document cannot say something the server does not do. Each app lists its
 * operations (a table of contents of its HTTP surface); a test checks that list against the
 * routes Express serves, both ways, and validates real answers against it.
 */

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

type JsonSchema = Record<string, unknown>;

export interface ApiResponse {
  description: string;
  /** A JSON body; none: no body (204) or the `contentType` below. */
  schema?: z.ZodType;
  /** A body that is not JSON (Prometheus text, HTML), described by its media type only. */
  contentType?: string;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
}

export interface ApiOperation {
  method: HttpMethod;
  /** Express syntax, as the router has it: `/api/v1/events/:id`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** Security schemes any one of which is accepted (`none`: also without one); empty: open. */
  security: string[];
  /** Scopes the credential needs, shown in the description. */
  scopes?: string[];
  pathParams?: z.ZodObject;
  query?: z.ZodObject;
  headers?: Record<string, { description: string; required?: boolean; schema: JsonSchema }>;
  body?: z.ZodType;
  responses: Record<number, ApiResponse>;
}

export interface ApiDescription {
  title: string;
  version: string;
  description: string;
  securitySchemes: Record<string, JsonSchema>;
  tags: Array<{ name: string; description: string }>;
  operations: ApiOperation[];
  /** What the app POSTs to its users' endpoints (OpenAPI 3.1 `webhooks`), by name. */
  webhooks?: Record<string, { summary: string; description: string; headers: Record<string, { description: string; schema: JsonSchema }>; body: z.ZodType }>;
}

const PROBLEM_TITLES: Record<number, string> = {
  400: 'Invalid input: `errors` lists every field',
  401: 'No credential, or not a valid one',
  403: 'The credential lacks the scope',
  404: 'Not found',
  409: 'Conflict',
  413: 'Body too large',
  415: 'Not JSON',
  422: 'Understood, but cannot be done',
  429: 'Too many requests (`Retry-After`, `RateLimit`, `RateLimit-Policy`)',
  503: 'A dependency is away; try again (`Retry-After`)',
};

/** Problem-details answers (RFC 9457) for these statuses. */
export function problemResponses(...statuses: number[]): Record<number, ApiResponse> {
  return Object.fromEntries(statuses.map((status) => [status, { description: PROBLEM_TITLES[status] ?? 'Error', schema: problemSchema }]));
}

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of a zod schema: what a client sends (`input`) or receives (`output`). */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  return json;
}

/** `/api/v1/events/:id` → `/api/v1/events/{id}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(schema: z.ZodObject | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = jsonSchemaOf(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...propertySchema } = property;
    return {
      name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: propertySchema,
    };
  });
}

function response(answer: ApiResponse, status: number): JsonSchema {
  const type = answer.schema ? (status >= 400 ? 'application/problem+json' : 'application/json') : answer.contentType;
  return {
    description: answer.description,
    ...(answer.headers ? { headers: answer.headers } : {}),
    ...(type ? { content: { [type]: answer.schema ? { schema: jsonSchemaOf(answer.schema, 'output') } : {} } } : {}),
  };
}

function operationObject(operation: ApiOperation): JsonSchema {
  const scopes = operation.scopes?.length ? `\n\nScope: ${operation.scopes.map((scope) => `\`${scope}\``).join(' or ')}.` : '';
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(operation.description || scopes ? { description: `${operation.description ?? ''}${scopes}`.trim() } : {}),
    tags: [operation.tag],
    security: operation.security.map((scheme) => (scheme === 'none' ? {} : { [scheme]: [] })),
    parameters: [
      ...parameters(operation.pathParams, 'path'),
      ...parameters(operation.query, 'query'),
      ...Object.entries(operation.headers ?? {}).map(([name, header]) => ({ name, in: 'header', required: header.required ?? false, description: header.description, schema: header.schema })),
    ],
    ...(operation.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchemaOf(operation.body, 'input') } } } } : {}),
    responses: Object.fromEntries(Object.entries(operation.responses).map(([status, answer]) => [status, response(answer, Number(status))])),
  };
}

/** The OpenAPI 3.1 document of an API description. */
export function openApiDocument(api: ApiDescription): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const operation of api.operations) {
    const path = openApiPath(operation.path);
    paths[path] = { ...paths[path], [operation.method]: operationObject(operation) };
  }
  return {
    openapi: '3.1.1',
    info: { title: api.title, version: api.version, description: api.description, license: { name: 'MIT', identifier: 'MIT' } },
    tags: api.tags,
    paths,
    ...(api.webhooks
      ? {
          webhooks: Object.fromEntries(
            Object.entries(api.webhooks).map(([name, webhook]) => [
              name,
              {
                post: {
                  summary: webhook.summary,
                  description: webhook.description,
                  parameters: Object.entries(webhook.headers).map(([header, { description, schema }]) => ({ name: header, in: 'header', required: true, description, schema })),
                  requestBody: { required: true, content: { 'application/json': { schema: jsonSchemaOf(webhook.body, 'output') } } },
                  responses: { '2XX': { description: 'Received: any 2xx acknowledges the message; anything else (or no answer) is retried' } },
                },
              },
            ]),
          ),
        }
      : {}),
    components: { securitySchemes: api.securitySchemes },
  };
}
