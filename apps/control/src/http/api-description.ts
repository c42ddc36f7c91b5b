import { z } from 'zod';
import { archivedEventFields, problemResponses, templateContentViewFields, templateContentSchema, templateNameSchema, type ApiDescription, type ApiOperation } from '@mc/contract';
import { withCommonOperations } from '@mc/http';
import { registrationSchema } from '../accounts/execution-instances';
import { archiveEventsQuerySchema } from '../reports/archive-queries';
import { previewSchema } from './templates-routes';

/*
 * The control instance's HTTP surface, operation by operation: what `/openapi.json` and `/docs`
 * show. Requests are described by the schemas the routes parse them with, answers by the schemas
 * below (a test checks real answers against them and every route against this list).
 */

const isoDate = z.iso.datetime({ offset: true });
const templateName = z.strictObject({ name: templateNameSchema });
const accountName = z.strictObject({ name: registrationSchema.shape.name });
const admin = { security: ['adminToken'], scopes: ['admin'] };

const accountSchema = z.strictObject({
  name: z.string(),
  url: z.string(),
  /** How far its archive feed is read (opaque). */
  archiveCursor: z.string().nullable(),
  archivedEvents: z.number().int(),
  lastRunAt: isoDate.nullable(),
  lastSuccessAt: isoDate.nullable(),
  /** Seconds since its archive was last read successfully (null: never). */
  lagSeconds: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: isoDate,
});

const draftSchema = z.strictObject({
  name: z.string(),
  ...templateContentViewFields,
  /** The version live on the instances; null: unpublished. */
  publishedVersion: z.number().int().nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
});

const publicationSchema = z.strictObject({
  instance: z.string(),
  action: z.enum(['publish', 'unpublish']),
  version: z.number().int(),
  state: z.enum(['pending', 'done', 'failed']),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
});

const templateSchema = draftSchema.extend({
  versions: z.array(z.strictObject({ version: z.number().int(), createdAt: isoDate })),
  publications: z.array(publicationSchema.extend({ templateName: z.string(), updatedAt: isoDate })),
});

const archivedEventSchema = z.strictObject({ instance: z.string(), ...archivedEventFields(isoDate), sentAt: isoDate.nullable(), archivedAt: isoDate });

const summarySchema = z.strictObject({
  counts: z.array(z.strictObject({ instance: z.string(), type: z.string(), status: z.string(), count: z.number().int() })),
  processingTime: z.array(z.strictObject({ type: z.string(), sent: z.number().int(), p50Ms: z.number(), p95Ms: z.number(), p99Ms: z.number() })),
});

const accounts: ApiOperation[] = [
  {
    method: 'post',
    path: '/api/v1/execution-instances',
    operationId: 'registerExecutionInstance',
    summary: 'Register an execution instance',
    description:
      'Tests the connection within 5 s (never following a redirect), stores the account with its credential sealed, creates its archiving scheduler, runs its archiving once and sends it every template published now.',
    tag: 'execution instances',
    ...admin,
    body: registrationSchema,
    responses: {
      201: { description: 'Registered', schema: accountSchema, headers: { Location: { description: 'The account', schema: { type: 'string' } } } },
      ...problemResponses(400, 401, 403, 409),
    },
  },
  {
    method: 'get',
    path: '/api/v1/execution-instances',
    operationId: 'listExecutionInstances',
    summary: 'The registered execution instances, with their archiving progress',
    tag: 'execution instances',
    ...admin,
    responses: { 200: { description: 'The list', schema: z.strictObject({ items: z.array(accountSchema) }) }, ...problemResponses(401, 403) },
  },
  {
    method: 'delete',
    path: '/api/v1/execution-instances/:name',
    operationId: 'removeExecutionInstance',
    summary: 'Remove an account and its archiving scheduler',
    tag: 'execution instances',
    ...admin,
    pathParams: accountName,
    responses: { 204: { description: 'Removed' }, ...problemResponses(400, 401, 403, 404) },
  },
];

const templates: ApiOperation[] = [
  {
    method: 'put',
    path: '/api/v1/templates/:name',
    operationId: 'saveTemplateDraft',
    summary: "Save a template's draft",
    description: 'A Liquid syntax error is a `400` naming the part, line and column.',
    tag: 'templates',
    ...admin,
    pathParams: templateName,
    body: templateContentSchema,
    responses: { 200: { description: 'Saved', schema: draftSchema }, ...problemResponses(400, 401, 403) },
  },
  {
    method: 'get',
    path: '/api/v1/templates',
    operationId: 'listTemplates',
    summary: 'The drafts',
    tag: 'templates',
    ...admin,
    responses: { 200: { description: 'The list', schema: z.strictObject({ items: z.array(draftSchema) }) }, ...problemResponses(401, 403) },
  },
  {
    method: 'get',
    path: '/api/v1/templates/:name',
    operationId: 'getTemplate',
    summary: 'A draft, its versions and where each instance stands',
    tag: 'templates',
    ...admin,
    pathParams: templateName,
    responses: { 200: { description: 'The template', schema: templateSchema }, ...problemResponses(400, 401, 403, 404) },
  },
  {
    method: 'post',
    path: '/api/v1/templates/:name/preview',
    operationId: 'previewTemplate',
    summary: 'The draft rendered with this data',
    tag: 'templates',
    ...admin,
    pathParams: templateName,
    body: previewSchema,
    responses: {
      200: {
        description: 'Rendered',
        schema: z.strictObject({
          subject: z.string(),
          html: z.string(),
          text: z.string(),
          headers: z.strictObject({ from: z.string().optional(), replyTo: z.string().optional(), listUnsubscribe: z.string().optional() }).nullable(),
        }),
      },
      ...problemResponses(400, 401, 403, 404, 422),
    },
  },
  {
    method: 'post',
    path: '/api/v1/templates/:name/publish',
    operationId: 'publishTemplate',
    summary: 'Publish the draft as a new version on every instance',
    description: 'Sent through the `publishing` queue, one job per instance, retried until it lands. `409` if another template is published for the same event type and channel.',
    tag: 'templates',
    ...admin,
    pathParams: templateName,
    responses: {
      201: { description: 'Published (per instance: done, or still pending)', schema: z.strictObject({ name: z.string(), version: z.number().int(), publications: z.array(publicationSchema) }) },
      ...problemResponses(400, 401, 403, 404, 409),
    },
  },
  {
    method: 'post',
    path: '/api/v1/templates/:name/unpublish',
    operationId: 'unpublishTemplate',
    summary: 'Remove the template from every instance',
    tag: 'templates',
    ...admin,
    pathParams: templateName,
    responses: { 200: { description: 'Unpublished', schema: z.strictObject({ name: z.string(), publications: z.array(publicationSchema) }) }, ...problemResponses(400, 401, 403, 404) },
  },
];

const reports: ApiOperation[] = [
  {
    method: 'get',
    path: '/api/v1/archive/events',
    operationId: 'listArchivedEvents',
    summary: 'Archived events of every instance, newest first (pass `nextCursor` back as `cursor`)',
    tag: 'reports',
    ...admin,
    query: archiveEventsQuerySchema,
    responses: { 200: { description: 'A page', schema: z.strictObject({ items: z.array(archivedEventSchema), nextCursor: z.string().nullable() }) }, ...problemResponses(400, 401, 403) },
  },
  {
    method: 'get',
    path: '/api/v1/reports/summary',
    operationId: 'getSummaryReport',
    summary: 'Counts by instance × type × status; processing time (received → sent) p50/p95/p99 per type',
    tag: 'reports',
    ...admin,
    responses: { 200: { description: 'The report', schema: summarySchema }, ...problemResponses(401, 403) },
  },
];

export const CONTROL_API: ApiDescription = withCommonOperations({
  title: 'Message Center — control instance',
  version: '1',
  description:
    'Operators author templates here and publish them to every execution instance; each registered instance is archived here. Errors are problem details (RFC 9457). Authenticate with `Authorization: Bearer <MC_ADMIN_TOKEN>`.',
  securitySchemes: {
    adminToken: { type: 'http', scheme: 'bearer', description: 'MC_ADMIN_TOKEN.' },
  },
  tags: [
    { name: 'templates', description: 'Drafts, versions, publication' },
    { name: 'execution instances', description: 'Accounts, each with its archiving' },
    { name: 'reports', description: 'The archive' },
  ],
  operations: [...templates, ...accounts, ...reports],
});
