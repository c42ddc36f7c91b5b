import express, { type Express } from 'express';

export interface BaseAppOptions {
  /** Express' `trust proxy`: which proxies' `X-Forwarded-For` names the client (unset: none). */
  trustProxy?: boolean | number | string;
}

/** The Express app both apps start from: no `X-Powered-By`, no ETags, the proxies it trusts. */
export function createBaseApp(options: BaseAppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', options.trustProxy ?? false);
  return app;
}
