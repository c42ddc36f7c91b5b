import { z } from 'zod';
import { CHANNELS, UUID_PATTERN } from '@mc/domain';
import {
  archivePageSchema,
  batchAcceptedSchema,
  batchInputSchema,
  eventAcceptedSchema,
  eventInputSchema,
  eventPageSchema,
  eventViewSchema,
  listEventsQuerySchema,
  problemResponses,
  templateContentViewFields,
  publishedTemplateInputSchema,
  templateNameSchema,
  webhookAttemptViewSchema,
  webhookAttemptsQuerySchema,
  webhookEndpointCreatedSchema,
  webhookEndpointInputSchema,
  webhookEndpointUpdateSchema,
  webhookEndpointViewSchema,
  webhookMessageSchema,
  type ApiDescription,
  type ApiOperation,
} from '@mc/contract';
import { withCommonOperations } from '@mc/http';
import { archiveQuerySchema } from '../archive/archive-feed';
import { listSuppressionsQuerySchema, suppressionInputSchema } from '../delivery/suppressions';
import { retryFilterSchema } from '../delivery/retry-deliveries';
import { smsReceiptSchema } from '../delivery/sms-receipts';
import { emailFeedbackSchema } from '../inbound/provider-feedback';
import { webhookIdParams } from './webhooks-routes';

/*
 * The execution instance's HTTP surface, operation by operation: what `/openapi.json` and
 * `/docs` show. Requests are described by the schemas the routes parse them with; answers by
 * the contract's schemas or, for the operators' endpoints, by the schemas below (a test checks
 * real answers against them and every route against this list).
 */

const id = z.string().regex(UUID_PATTERN);
const isoDate = z.iso.datetime({ offset: true });
const eventId = z.strictObject({ id: id.describe('The event id (a UUID)') });
const eventIdOrPlId = z.strictObject({ id: z.string().regex(/^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[1-9][0-9]{0,17})$/i).describe('The event id (a UUID) or its numeric plId') });
const templateName = z.strictObject({ name: templateNameSchema });

const publishedTemplateSchema = z.strictObject({
  name: z.string(),
  version: z.number().int(),
  ...templateContentViewFields,
  publishedAt: isoDate,
});
const suppressionSchema = z.strictObject({ channel: z.enum(CHANNELS), address: z.string(), reason: z.string(), createdAt: isoDate, expiresAt: isoDate.nullable() });
const location = { Location: { description: 'Where the event can be read', schema: { type: 'string' } } };
const idempotencyKey = {
  'Idempotency-Key': {
    description:
      "Any 1–255 printable ASCII characters (bare or as a Structured Field string), unique per logical push. For 24 hours, per producer, a retry with the same key and body gets the first 2xx answer again (with `Idempotent-Replayed: true`); another body with that key is a `422`; while the first request runs, `409` with `Retry-After`. An answer that is not a 2xx is not kept: a retry runs again.",
    schema: { type: 'string', minLength: 1, maxLength: 257 },
  },
};
const replayed = { 'Idempotent-Replayed': { description: '`true` when this is the replay of the first answer to this `Idempotency-Key`', schema: { type: 'string', const: 'true' } } };

const producers: ApiOperation[] = [
  {
    method: 'post',
    path: '/api/v1/events',
    operationId: 'pushEvent',
    summary: 'Push one real-time event',
    description:
      'Stored in PostgreSQL before the answer: a `202` is never lost. An `externalId` already pushed by this producer answers `200` with that event, and stores nothing.',
    tag: 'events',
    security: ['apiKey'],
    scopes: ['events:write'],
    headers: idempotencyKey,
    body: eventInputSchema,
    responses: {
      202: { description: 'Stored and queued', schema: eventAcceptedSchema, headers: { ...location, ...replayed } },
      200: { description: 'This `externalId` was pushed before: that event', schema: eventAcceptedSchema, headers: { ...location, ...replayed } },
      ...problemResponses(400, 401, 403, 409, 413, 415, 422, 429, 503),
    },
  },
  {
    method: 'post',
    path: '/api/v1/events/batch',
    operationId: 'pushEvents',
    summary: 'Push up to 10,000 batch events at once',
    description: 'All stored or none (a `400` lists every bad field of every event). `ids` are in request order.',
    tag: 'events',
    security: ['apiKey'],
    scopes: ['events:write'],
    headers: idempotencyKey,
    body: batchInputSchema,
    responses: { 202: { description: 'Stored and queued', schema: batchAcceptedSchema, headers: replayed }, ...problemResponses(400, 401, 403, 409, 413, 415, 422, 429, 503) },
  },
  {
    method: 'get',
    path: '/api/v1/events/:id',
    operationId: 'getEvent',
    summary: 'An event, with its delivery log (attempts, bounces, complaints, receipts)',
    tag: 'events',
    security: ['apiKey'],
    scopes: ['events:read', 'events:read:all'],
    pathParams: eventIdOrPlId,
    responses: { 200: { description: 'The event', schema: eventViewSchema }, ...problemResponses(401, 403, 404) },
  },
  {
    method: 'get',
    path: '/api/v1/events',
    operationId: 'listEvents',
    summary: "This producer's events, newest first (pass `nextCursor` back as `cursor`)",
    tag: 'events',
    security: ['apiKey'],
    scopes: ['events:read', 'events:read:all'],
    query: listEventsQuerySchema,
    responses: { 200: { description: 'A page', schema: eventPageSchema }, ...problemResponses(400, 401, 403) },
  },
];

const webhook: Pick<ApiOperation, 'tag' | 'security' | 'scopes' | 'pathParams'> = { tag: 'webhooks', security: ['apiKey'], scopes: ['events:read'], pathParams: webhookIdParams };
const webhooks: ApiOperation[] = [
  {
    method: 'post',
    path: '/api/v1/webhooks',
    operationId: 'createWebhook',
    summary: 'Register a status webhook (its secret is shown here only)',
    description: "This producer's events' status changes are POSTed to `url` (Standard Webhooks: see `webhooks` below). At most 20 per producer.",
    ...webhook,
    pathParams: undefined,
    body: webhookEndpointInputSchema,
    responses: {
      201: { description: 'Registered', schema: webhookEndpointCreatedSchema, headers: { Location: { description: 'The endpoint', schema: { type: 'string' } } } },
      ...problemResponses(400, 401, 403, 409, 413, 415),
    },
  },
  {
    method: 'get',
    path: '/api/v1/webhooks',
    operationId: 'listWebhooks',
    summary: "This producer's webhook endpoints",
    ...webhook,
    pathParams: undefined,
    responses: { 200: { description: 'The list', schema: z.strictObject({ items: z.array(webhookEndpointViewSchema) }) }, ...problemResponses(401, 403) },
  },
  {
    method: 'get',
    path: '/api/v1/webhooks/:id',
    operationId: 'getWebhook',
    summary: 'A webhook endpoint and its health (`failingSince`, `disabledAt`)',
    ...webhook,
    responses: { 200: { description: 'The endpoint', schema: webhookEndpointViewSchema }, ...problemResponses(400, 401, 403, 404) },
  },
  {
    method: 'patch',
    path: '/api/v1/webhooks/:id',
    operationId: 'updateWebhook',
    summary: 'Change url or events, disable, or re-enable an endpoint disabled after its failures',
    ...webhook,
    body: webhookEndpointUpdateSchema,
    responses: { 200: { description: 'Changed', schema: webhookEndpointViewSchema }, ...problemResponses(400, 401, 403, 404, 413, 415) },
  },
  {
    method: 'delete',
    path: '/api/v1/webhooks/:id',
    operationId: 'deleteWebhook',
    summary: 'Delete an endpoint (its pending messages are dropped)',
    ...webhook,
    responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404) },
  },
  {
    method: 'post',
    path: '/api/v1/webhooks/:id/rotate-secret',
    operationId: 'rotateWebhookSecret',
    summary: 'A new secret; the previous one also signs for WEBHOOK_SECRET_GRACE_MS (a day)',
    ...webhook,
    responses: {
      200: { description: 'The new secret', schema: z.strictObject({ secret: z.string().regex(/^whsec_/), previousSecretExpiresAt: isoDate }) },
      ...problemResponses(400, 401, 403, 404),
    },
  },
  {
    method: 'post',
    path: '/api/v1/webhooks/:id/test',
    operationId: 'testWebhook',
    summary: 'Send a `webhook.test` message to the endpoint',
    ...webhook,
    responses: { 202: { description: 'Queued', schema: z.strictObject({ messageId: z.string().regex(/^msg_/) }) }, ...problemResponses(400, 401, 403, 404) },
  },
  {
    method: 'get',
    path: '/api/v1/webhooks/:id/attempts',
    operationId: 'listWebhookAttempts',
    summary: "The endpoint's delivery attempts, newest first",
    ...webhook,
    query: webhookAttemptsQuerySchema,
    responses: { 200: { description: 'The attempts', schema: z.strictObject({ items: z.array(webhookAttemptViewSchema) }) }, ...problemResponses(400, 401, 403, 404) },
  },
];

const campaignClassic: ApiOperation[] = [
  {
    method: 'post',
    path: '/nl/jsp/soaprouter.jsp',
    operationId: 'soapRouter',
    summary: 'Campaign Classic SOAP: xtk:session#Logon/BearerTokenLogon/Logoff, nms:rtEvent and nms:batchEvent #PushEvent(s)',
    description:
      'A SOAP 1.1 envelope (`text/xml` or `application/soap+xml`), as Campaign Classic Message Center producers and `@adobe/acc-js-sdk` send it; the method from `SOAPAction`, `?soapAction=` or the Body. ' +
      'Credentials: `login/<API key>` as the session token, `Authorization: Bearer <API key>`, or a Logon session. Every refusal is a SOAP fault (HTTP `SOAP_FAULT_HTTP_STATUS`, 200 by default). See the README, "Migrating Campaign Classic producers".',
    tag: 'campaign-classic',
    security: ['apiKey', 'none'],
    responses: {
      200: { description: 'The method\'s response, or a SOAP fault', contentType: 'text/xml' },
      413: { description: 'A SOAP fault: the body is too large', contentType: 'text/xml' },
      503: { description: 'A SOAP Server fault: a dependency is away; try again', contentType: 'text/xml' },
    },
  },
  {
    method: 'get',
    path: '/nl/jsp/schemawsdl.jsp',
    operationId: 'soapWsdl',
    summary: 'The WSDL of nms:rtEvent or nms:batchEvent, for SoapUI and generated SOAP clients',
    tag: 'campaign-classic',
    security: [],
    query: z.strictObject({ schema: z.enum(['nms:rtEvent', 'nms:batchEvent']) }),
    responses: {
      200: { description: 'WSDL 1.1, document/literal, the router as this request reached it', contentType: 'text/xml' },
      ...problemResponses(404),
    },
  },
  {
    method: 'get',
    path: '/nl/jsp/mcPing.jsp',
    operationId: 'mcPing',
    summary: "Campaign Classic's Message Center health page: `Ok` or `Error`, then the pending real-time and batch events",
    tag: 'campaign-classic',
    security: [],
    responses: {
      200: { description: '`Ok`, a date, the pending events against MC_PING_PENDING_THRESHOLD', contentType: 'text/plain' },
      503: { description: '`Error`: PostgreSQL or Redis away, or a backlog over the threshold', contentType: 'text/plain' },
    },
  },
];

const operators: ApiOperation[] = [
  {
    method: 'post',
    path: '/api/v1/events/:id/retry',
    operationId: 'retryEvent',
    summary: "Send a `delivery_failed` event's failed delivery again",
    description: 'Same delivery-log id and Message-ID; attempts go on. `409` when it has no failed delivery, or while its address is suppressed.',
    tag: 'deliveries',
    security: ['apiKey'],
    scopes: ['control'],
    pathParams: eventId,
    responses: { 202: { description: 'Queued again', schema: z.strictObject({ id, status: z.literal('pending_delivery') }) }, ...problemResponses(401, 403, 404, 409) },
  },
  {
    method: 'post',
    path: '/api/v1/deliveries/retry',
    operationId: 'retryDeliveries',
    summary: 'Send every failed delivery matching the filters again',
    tag: 'deliveries',
    security: ['apiKey'],
    scopes: ['control'],
    body: retryFilterSchema,
    responses: {
      202: {
        description: 'How many were queued again, how many are suppressed, and whether more may match',
        schema: z.strictObject({ retried: z.number().int(), suppressed: z.number().int(), more: z.boolean() }),
      },
      ...problemResponses(400, 401, 403),
    },
  },
  {
    method: 'get',
    path: '/api/v1/suppressions',
    operationId: 'listSuppressions',
    summary: 'Suppressed addresses',
    tag: 'suppressions',
    security: ['apiKey'],
    scopes: ['control'],
    query: listSuppressionsQuerySchema,
    responses: { 200: { description: 'The list', schema: z.strictObject({ items: z.array(suppressionSchema) }) }, ...problemResponses(400, 401, 403) },
  },
  {
    method: 'post',
    path: '/api/v1/suppressions',
    operationId: 'addSuppression',
    summary: 'Suppress an address (or refresh its suppression)',
    tag: 'suppressions',
    security: ['apiKey'],
    scopes: ['control'],
    body: suppressionInputSchema,
    responses: { 201: { description: 'Suppressed', schema: suppressionSchema }, ...problemResponses(400, 401, 403) },
  },
  {
    method: 'delete',
    path: '/api/v1/suppressions/:channel/:address',
    operationId: 'removeSuppression',
    summary: 'Lift a suppression',
    tag: 'suppressions',
    security: ['apiKey'],
    scopes: ['control'],
    pathParams: z.strictObject({ channel: z.enum(CHANNELS), address: z.string().min(1).max(320) }),
    responses: { 204: { description: 'Lifted' }, ...problemResponses(400, 401, 403, 404) },
  },
  {
    method: 'post',
    path: '/api/v1/providers/sms/receipts',
    operationId: 'recordSmsReceipt',
    summary: "An SMS provider's delivery receipt",
    description: '`failed` turns a sent SMS event into `delivery_failed`; `delivered` is recorded in the delivery log.',
    tag: 'providers',
    security: ['smsReceiptToken'],
    body: smsReceiptSchema,
    responses: { 202: { description: 'Recorded', schema: z.strictObject({ deliveryLogId: id }) }, ...problemResponses(400, 401, 404) },
  },
  {
    method: 'post',
    path: '/api/v1/providers/email/feedback',
    operationId: 'recordEmailFeedback',
    summary: "An email provider's bounce or complaint, reported over HTTP",
    description:
      'The same effect as a DSN or an ARF report received by mail: a hard bounce turns a sent event into `delivery_failed` and suppresses the address; a soft bounce is recorded; a complaint suppresses the address (the event stays `sent`). Matched by our Message-ID.',
    tag: 'providers',
    security: ['emailFeedbackToken'],
    body: emailFeedbackSchema,
    responses: {
      202: { description: 'Applied', schema: z.strictObject({ deliveryLogId: id, outcome: z.enum(['bounce', 'delay', 'complaint']) }) },
      ...problemResponses(400, 401, 404),
    },
  },
];

const control: ApiOperation[] = [
  {
    method: 'put',
    path: '/api/v1/templates/:name',
    operationId: 'receivePublishedTemplate',
    summary: 'Receive a published template version (sent by the control instance)',
    description: 'An older version than the one in place changes nothing (`changed: false`).',
    tag: 'control',
    security: ['apiKey'],
    scopes: ['control'],
    pathParams: templateName,
    body: publishedTemplateInputSchema,
    responses: { 200: { description: 'In place', schema: publishedTemplateSchema.extend({ changed: z.boolean() }) }, ...problemResponses(400, 401, 403, 409) },
  },
  {
    method: 'delete',
    path: '/api/v1/templates/:name',
    operationId: 'removePublishedTemplate',
    summary: 'Unpublish a template',
    tag: 'control',
    security: ['apiKey'],
    scopes: ['control'],
    pathParams: templateName,
    responses: { 204: { description: 'Removed (or was not there)' }, ...problemResponses(400, 401, 403) },
  },
  {
    method: 'get',
    path: '/api/v1/templates',
    operationId: 'listPublishedTemplates',
    summary: 'The published templates',
    tag: 'control',
    security: ['apiKey'],
    scopes: ['control'],
    responses: { 200: { description: 'The list', schema: z.strictObject({ items: z.array(publishedTemplateSchema) }) }, ...problemResponses(401, 403) },
  },
  {
    method: 'get',
    path: '/api/v1/archive',
    operationId: 'readArchiveFeed',
    summary: 'The archive feed the control instance reads',
    description: 'Events in the order of the transaction that last changed them, after `after`; `ack` acknowledges what the reader stored.',
    tag: 'control',
    security: ['apiKey'],
    scopes: ['control'],
    query: archiveQuerySchema,
    responses: { 200: { description: 'A page', schema: archivePageSchema }, ...problemResponses(400, 401, 403) },
  },
];

export const EXECUTION_API: ApiDescription = withCommonOperations({
  title: 'Message Center — execution instance',
  version: '1',
  description:
    'Producers push events here; each is linked to the published template of its type and channel, rendered and delivered (email over SMTP, SMS over HTTP). ' +
    'Errors are problem details (RFC 9457). Authenticate with `Authorization: Bearer <API key>`.',
  securitySchemes: {
    apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (`mc_…`) with the scopes the operation names, or the control credential (`control`).' },
    smsReceiptToken: { type: 'http', scheme: 'bearer', description: 'SMS_RECEIPT_TOKEN, given to the SMS provider.' },
    emailFeedbackToken: { type: 'http', scheme: 'bearer', description: 'EMAIL_FEEDBACK_TOKEN, given to the email provider.' },
  },
  tags: [
    { name: 'events', description: "Producers' API" },
    { name: 'webhooks', description: 'Status webhooks (Standard Webhooks), per producer' },
    { name: 'deliveries', description: 'Replay of failed deliveries' },
    { name: 'suppressions', description: 'Addresses never sent to' },
    { name: 'providers', description: 'What providers report back' },
    { name: 'control', description: 'Used by the control instance' },
    { name: 'campaign-classic', description: 'Campaign Classic Message Center producers, unchanged (SOAP)' },
  ],
  operations: [...producers, ...webhooks, ...operators, ...control, ...campaignClassic],
  webhooks: {
    eventStatus: {
      summary: "A status change of one of the producer's events",
      description:
        '`event.sent`, `event.delivery_failed` (also when a bounce comes after `sent`), `event.ignored`, `event.not_taken_into_account`, `event.expired`, `event.complained`, and `webhook.test`. ' +
        'Signed as Standard Webhooks says (verify with any of its libraries, or `verifyWebhook` of `@message-center/client`); retried with backoff for 24 h, with the same `webhook-id` and body.',
      headers: {
        'webhook-id': { description: '`msg_<id>`: the same on every retry of the message (deduplicate on it)', schema: { type: 'string' } },
        'webhook-timestamp': { description: 'When this try was sent (Unix seconds)', schema: { type: 'string' } },
        'webhook-signature': { description: '`v1,<base64 HMAC-SHA256>` per valid secret, space-separated', schema: { type: 'string' } },
      },
      body: webhookMessageSchema,
    },
  },
});
