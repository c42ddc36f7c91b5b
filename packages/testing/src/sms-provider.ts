import http from 'node:http';
import { listenLocally } from './local-server';

export interface SmsRequest {
  /** When it arrived (ms since the epoch). */
  at: number;
  to: string;
  text: string;
  idempotencyKey: string;
  headers: http.IncomingHttpHeaders;
}

/** What the fake provider answers: a status, a JSON body, headers. */
export type SmsPolicy = (request: SmsRequest) => { status: number; body?: unknown; headers?: Record<string, string> };

export interface SmsProvider {
  url: string;
  requests: SmsRequest[];
  setPolicy(policy: SmsPolicy): void;
  close(): Promise<void>;
}

/**
 * A real HTTP server standing in for the SMS provider (a third party we cannot run): it records
 * every request and answers as the test's policy says (default: 200 with a message id).
 */
export async function startSmsProvider(policy?: SmsPolicy): Promise<SmsProvider> {
  let current: SmsPolicy = policy ?? ((request) => ({ status: 200, body: { id: `sms-${request.idempotencyKey}` } }));
  const requests: SmsRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      const request: SmsRequest = { at: Date.now(), to: body.to, text: body.text, idempotencyKey: body.idempotencyKey, headers: req.headers };
      requests.push(request);
      const answer = current(request);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify(answer.body ?? {}));
    });
  });
  const listening = await listenLocally(server);
  return {
    url: `${listening.baseUrl}/messages`,
    requests,
    setPolicy(next) {
      current = next;
    },
    close: listening.close,
  };
}
