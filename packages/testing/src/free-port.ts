import net from 'node:net';
import { waitFor } from './wait-for';

/** A TCP port nothing listens on right now, for an app started in a child process. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Waits until `GET <baseUrl>/health` answers 2xx. */
export async function waitForHealth(baseUrl: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => (await fetch(`${baseUrl}/health`).catch(() => undefined))?.ok, { timeoutMs });
}
