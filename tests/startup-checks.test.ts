import net from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readControlEnv } from '@mc/control';
import { spawnApp, REPO_ROOT } from '@mc/testing';

const root = REPO_ROOT;
const apps = {
  execution: path.join(root, 'apps/execution/src/main.ts'),
  control: path.join(root, 'apps/control/src/main.ts'),
  start: path.join(root, 'scripts/start-local.ts'),
};

/** Something already listening on a port, like a first `npm start`. */
async function occupy(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function onlyLine(child: ReturnType<typeof spawnApp>): Promise<string[]> {
  expect(await child.exited).toBe(1);
  await new Promise((resolve) => setImmediate(resolve));
  return child.lines;
}

describe('starting the apps', () => {
  it.each([
    ['execution', 'EXECUTION_PORT'],
    ['control', 'CONTROL_PORT'],
  ] as const)('when the %s port is taken, then it says so in one line naming %s, before anything else, and exits 1', async (app, variable) => {
    const taken = await occupy();
    try {
      const lines = await onlyLine(spawnApp(apps[app], { [variable]: String(taken.port), LOG_LEVEL: 'info' }, { capture: true }));
      expect(lines).toEqual([expect.stringMatching(new RegExp(`^message-center ${app}: port ${taken.port} on 127\\.0\\.0\\.1 is already in use .* set ${variable}\\.$`))]);
    } finally {
      await taken.close();
    }
  });

  it('when npm start finds a port taken, then it says which in one line and starts nothing (no banner, no publication)', async () => {
    const taken = await occupy();
    try {
      const lines = await onlyLine(spawnApp(apps.start, { EXECUTION_PORT: String(taken.port) }, { capture: true }));
      expect(lines).toEqual([expect.stringMatching(new RegExp(`^npm start: port ${taken.port} on 127\\.0\\.0\\.1 is already in use .* set EXECUTION_PORT\\.$`))]);
    } finally {
      await taken.close();
    }
  });

  it('when a .env file is in the working directory, then the app reads it, and the environment wins over it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mc-dotenv-'));
    try {
      await writeFile(path.join(dir, '.env'), 'MC_ROLE=boss\nEXECUTION_PORT=not-a-port\n');
      const lines = await onlyLine(spawnApp(apps.execution, { EXECUTION_PORT: '3999' }, { capture: true, cwd: dir }));
      expect(lines[0]).toMatch(/Invalid configuration/);
      expect(lines.slice(1)).toEqual([expect.stringMatching(/^\s+- MC_ROLE: /)]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("when two controls share a Redis, then each one's queue prefix comes from its name", () => {
    expect(readControlEnv({}).MC_CONTROL_QUEUE_PREFIX).toBe('{mc-control}');
    expect(readControlEnv({ MC_CONTROL_NAME: 'eu' }).MC_CONTROL_QUEUE_PREFIX).toBe('{mc-eu}');
    expect(readControlEnv({ MC_CONTROL_NAME: 'eu', MC_CONTROL_QUEUE_PREFIX: '{custom}' }).MC_CONTROL_QUEUE_PREFIX).toBe('{custom}');
  });
});
