import net from 'node:net';
import express from 'express';
import type http from 'node:http';
import { listenHttp, notFoundHandler, problemMiddleware } from '../src';
import { testLogger } from '@mc/testing';

/** Sends raw bytes and reads what the server answers until it closes the connection. */
function rawExchange(port: number, bytes: string, options: { keepOpenMs?: number } = {}): Promise<{ answer: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => resolve({ answer, closedAfterMs: Date.now() - started }));
    if (options.keepOpenMs === undefined) socket.setTimeout(5_000, () => socket.destroy());
  });
}

describe('listenHttp: the servers of both apps', () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    const app = express();
    app.get('/ok', (_req, res) => {
      res.json({ ok: true });
    });
    app.post('/echo', express.json(), (req, res) => {
      res.json(req.body);
    });
    app.use(notFoundHandler);
    app.use(problemMiddleware(testLogger('http')));
    ({ server, port } = await listenHttp(app, { host: '127.0.0.1', port: 0, headersTimeoutMs: 300, requestTimeoutMs: 600, maxConnections: 5 }));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const statusLine = (answer: string) => answer.split('\r\n')[0];
  const problemOf = (answer: string) => JSON.parse(answer.split('\r\n\r\n')[1] ?? '{}');

  it('when a request cannot be parsed, then Node answers 400 as problem+json', async () => {
    const { answer } = await rawExchange(port, 'NOT A REQUEST\r\n\r\n');
    expect(statusLine(answer)).toBe('HTTP/1.1 400 Bad Request');
    expect(answer).toMatch(/Content-Type: application\/problem\+json/);
    expect(problemOf(answer)).toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('when the headers are too large, then the answer is 431 as problem+json', async () => {
    const { answer } = await rawExchange(port, `GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(statusLine(answer)).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(problemOf(answer)).toMatchObject({ status: 431, code: 'headers_too_large' });
  });

  it('when headers or a body arrive too slowly, then the socket gets 408 and is closed', async () => {
    const slowHeaders = await rawExchange(port, 'GET /ok HTTP/1.1\r\nHost: x\r\n', { keepOpenMs: 10_000 });
    expect(statusLine(slowHeaders.answer)).toBe('HTTP/1.1 408 Request Timeout');
    expect(problemOf(slowHeaders.answer)).toMatchObject({ status: 408, code: 'request_timeout' });
    const slowBody = await rawExchange(port, 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":', { keepOpenMs: 10_000 });
    expect(statusLine(slowBody.answer)).toBe('HTTP/1.1 408 Request Timeout');
    expect(problemOf(slowBody.answer)).toMatchObject({ status: 408, code: 'request_timeout' });
  });

  it('when a well-formed request is answered, then it works as usual, unknown routes as problem+json', async () => {
    expect(await (await fetch(`http://127.0.0.1:${port}/ok`)).json()).toEqual({ ok: true });
    const missing = await fetch(`http://127.0.0.1:${port}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('when more connections than the cap are open, then the extra ones are refused', async () => {
    const sockets = await Promise.all(
      Array.from({ length: 5 }, () => new Promise<net.Socket>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
      })),
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const extra = await rawExchange(port, 'GET /ok HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(extra.answer).toBe('');
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });
});
