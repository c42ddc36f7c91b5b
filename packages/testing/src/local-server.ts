import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A test server listening on a free loopback port; `close()` cuts its open connections first (held requests included). */
export async function listenLocally(server: http.Server): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
