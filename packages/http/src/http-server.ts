import http, { STATUS_CODES } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Express } from 'express';
import { AppError, SECOND, toProblem, type ErrorCode } from '@mc/domain';

export interface HttpServerOptions {
  /** The address to listen on; `127.0.0.1` unless the deployment says otherwise (a container: `0.0.0.0`). */
  host: string;
  /** 0: any free port. */
  port: number;
  /** A client must send its request headers within this (ms); default 10 s. */
  headersTimeoutMs?: number;
  /** …and its whole request, body included, within this (ms); default 60 s. */
  requestTimeoutMs?: number;
  /** Idle keep-alive connections are closed after this (ms); default 65 s, longer than common load balancers' idle timeout so they close first. */
  keepAliveTimeoutMs?: number;
  /** Open connections at most; more are refused until some close. Default 1,024. */
  maxConnections?: number;
}

/** Node's own answers to a request it could not parse or that came too slowly, as problem+json. */
function clientErrorCode(error: NodeJS.ErrnoException): ErrorCode {
  if (error.code === 'HPE_HEADER_OVERFLOW') return 'headers_too_large';
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || error.code === 'ERR_HTTP_HEADERS_TIMEOUT') return 'request_timeout';
  return 'validation_failed';
}

function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  // Nothing can be answered on a reset or half-written socket.
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const problem = new AppError(clientErrorCode(error), undefined);
  const body = JSON.stringify(toProblem(problem));
  socket.end(
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}\r\n` +
      `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The HTTP server both apps listen with: bounded time for headers and for the whole request (a
 * slow client cannot hold a socket for minutes), a keep-alive timeout, a connection cap, and
 * problem+json for the errors Node answers itself (400, 408, 431). Resolves once listening.
 */
export async function listenHttp(app: Express, options: HttpServerOptions): Promise<{ server: http.Server; port: number }> {
  const headersTimeout = options.headersTimeoutMs ?? 10 * SECOND;
  const server = http.createServer(
    {
      headersTimeout,
      requestTimeout: Math.max(options.requestTimeoutMs ?? 60 * SECOND, headersTimeout),
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 65 * SECOND,
      // How often Node looks for requests past those timeouts (its default, 30 s, lets a slow socket live 30 s more).
      connectionsCheckingInterval: Math.min(SECOND, headersTimeout),
    },
    app,
  );
  server.maxConnections = options.maxConnections ?? 1024;
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, port: (server.address() as AddressInfo).port };
}
