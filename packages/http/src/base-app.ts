import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import { httpRequestMetrics } from './http-metrics';

export interface BaseAppOptions {
  /** Express' `trust proxy`: which proxies' `X-Forwarded-For` names the client (unset: none). */
  trustProxy?: boolean | number | string;
  /** Where `http_request_duration_seconds` is registered (unset: not measured). */
  metrics?: Registry;
}

/** The Express app both apps start from: no `X-Powered-By`, no ETags, the proxies it trusts, request metrics. */
export function createBaseApp(options: BaseAppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', options.trustProxy ?? false);
  if (options.metrics) app.use(httpRequestMetrics(options.metrics));
  return app;
}
