import path from 'node:path';
import express, { Router } from 'express';
import { z } from 'zod';
import type { ApiDescription, ApiOperation } from '@mc/contract';

/** swagger-ui-dist's files, served from node_modules: the docs page loads nothing from elsewhere. */
const SWAGGER_UI = path.dirname(require.resolve('swagger-ui-dist/package.json'));

/** What the API-documentation routes serve, documented like the rest. */
const API_DOCS_OPERATIONS: ApiOperation[] = [
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This OpenAPI 3.1 document',
    tag: 'documentation',
    security: [],
    responses: { 200: { description: 'The document', contentType: 'application/json' } },
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'getApiDocsPage',
    summary: 'The document, readable in a browser (Swagger UI, served from this process)',
    tag: 'documentation',
    security: [],
    responses: { 200: { description: 'An HTML page', contentType: 'text/html' } },
  },
];

const health = z.strictObject({ status: z.literal('ok') });
const readiness = z.strictObject({
  status: z.enum(['ready', 'not ready']),
  /** Per dependency: `ok`, else `not ok` (what failed only for a caller holding the metrics token). */
  checks: z.record(z.string(), z.string()),
});

/** What `monitoringRoutes` serves. */
const MONITORING_OPERATIONS: ApiOperation[] = [
  {
    method: 'get',
    path: '/health',
    operationId: 'getHealth',
    summary: 'The process is alive',
    tag: 'monitoring',
    security: [],
    responses: { 200: { description: 'Alive', schema: health } },
  },
  {
    method: 'get',
    path: '/ready',
    operationId: 'getReadiness',
    summary: 'Every dependency answers (PostgreSQL, Redis)',
    tag: 'monitoring',
    security: [],
    responses: { 200: { description: 'Ready', schema: readiness }, 503: { description: 'A dependency does not answer', schema: readiness } },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics (behind MC_METRICS_TOKEN when it is set)',
    tag: 'monitoring',
    security: ['metricsToken', 'none'],
    responses: { 200: { description: 'Prometheus text exposition format', contentType: 'text/plain' } },
  },
];

/** An app's API description with what every app serves besides its own API: monitoring and this documentation. */
export function withCommonOperations(api: ApiDescription): ApiDescription {
  return {
    ...api,
    securitySchemes: { ...api.securitySchemes, metricsToken: { type: 'http', scheme: 'bearer', description: 'MC_METRICS_TOKEN.' } },
    tags: [...api.tags, { name: 'monitoring', description: 'Health, readiness, metrics' }, { name: 'documentation', description: 'This document' }],
    operations: [...api.operations, ...MONITORING_OPERATIONS, ...API_DOCS_OPERATIONS],
  };
}

function page(title: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;
}

/** Points Swagger UI at this server's document; no validator badge (it would call validator.swagger.io). */
const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null, tryItOutEnabled: false });\n`;

/**
 * `/openapi.json` and `/docs`. The page's scripts and styles are files of this origin (no CDN, no
 * external font), with a Content-Security-Policy that keeps it so.
 */
export function apiDocsRoutes(document: object, title: string): Router {
  const router = Router();
  const json = JSON.stringify(document);
  const html = page(title.replace(/[<>&"]/g, ''));
  const policy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'";
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(json);
  });
  router.get('/docs', (_req, res) => {
    res.set('Content-Security-Policy', policy).type('html').send(html);
  });
  // The page's own files are assets, like Swagger UI's, not operations of the API.
  router.use('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(INIT);
  });
  router.use('/docs/assets', express.static(SWAGGER_UI, { index: false, fallthrough: true, maxAge: '1h' }));
  return router;
}
