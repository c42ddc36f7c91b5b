import http from 'node:http';
import { listenLocally } from './local-server';

export interface ReceivedWebhook {
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The raw body, as signed. */
  body: string;
  at: number;
}

/** What an endpoint answers to a webhook: a status, or `hang` (no answer until the receiver closes). */
export type WebhookPolicy = (request: ReceivedWebhook, seenOnPath: number) => { status: number; body?: string } | 'hang';

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>`; any path is an endpoint. */
  baseUrl: string;
  received: ReceivedWebhook[];
  /** Requests on `path` so far. */
  on(path: string): ReceivedWebhook[];
  /** Requests held without an answer right now. */
  hanging(): number;
  setPolicy(policy: WebhookPolicy): void;
  close(): Promise<void>;
}

/** A real HTTP server standing in for producers' webhook endpoints: records every POST and answers as the policy says (default 204). */
export async function startWebhookReceiver(policy?: WebhookPolicy): Promise<WebhookReceiver> {
  let current: WebhookPolicy = policy ?? (() => ({ status: 204 }));
  const received: ReceivedWebhook[] = [];
  let hanging = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedWebhook = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      received.push(request);
      const answer = current(request, received.filter((other) => other.path === request.path).length);
      if (answer === 'hang') {
        hanging += 1;
        res.on('close', () => (hanging -= 1));
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body ?? '');
    });
  });
  const listening = await listenLocally(server);
  return {
    baseUrl: listening.baseUrl,
    received,
    on: (path) => received.filter((request) => request.path === path),
    hanging: () => hanging,
    setPolicy(next) {
      current = next;
    },
    close: listening.close,
  };
}
