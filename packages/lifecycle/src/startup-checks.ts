import net from 'node:net';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { StartupError } from '@mc/domain';


/**
 * Loads `.env` from the working directory when there is one (Node's own parser); variables
 * already in the environment win over the file.
 */
export function loadDotEnv(file = path.resolve(process.cwd(), '.env')): boolean {
  if (!existsSync(file)) return false;
  process.loadEnvFile(file);
  return true;
}

/** Fails with one line naming the port and the variable that changes it when something listens there already. */
export async function assertPortFree(host: string, port: number, variable: string): Promise<void> {
  if (port === 0) return;
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (thrown) {
    const code = (thrown as { code?: unknown }).code;
    if (code === 'EADDRINUSE') throw new StartupError(`port ${port} on ${host} is already in use (another Message Center?) — stop it or set ${variable}.`);
    if (code === 'EACCES') throw new StartupError(`port ${port} on ${host} needs privileges this process lacks — set ${variable} to a port above 1023.`);
    if (code === 'EADDRNOTAVAIL') throw new StartupError(`${host} is not an address of this machine — set HOST.`);
    throw thrown;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}
