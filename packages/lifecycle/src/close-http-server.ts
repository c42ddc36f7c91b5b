import type http from 'node:http';

/**
 * Stops an HTTP server the way a shutdown should: no new connections, keep-alive connections
 * closed as soon as their current request is answered (clients reconnect elsewhere), and after
 * `graceMs` whatever is still open is cut. Resolves when the server is closed.
 */
export function closeHttpServer(server: http.Server, graceMs = 10_000): Promise<void> {
  return new Promise<void>((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    cut.unref();
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
