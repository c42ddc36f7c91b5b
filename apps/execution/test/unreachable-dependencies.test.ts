import path from 'node:path';
import { spawnApp } from '@mc/testing';

const apps = {
  execution: path.resolve(__dirname, '../src/main.ts'),
  control: path.resolve(__dirname, '../../control/src/main.ts'),
};

describe('starting an app when PostgreSQL or Redis is unreachable', () => {
  it.each([
    ['execution', { REDIS_URL: 'redis://127.0.0.1:1' }, /^message-center execution: Redis is unreachable at 127\.0\.0\.1:1 \(REDIS_URL\): .+ — start it \(/],
    ['execution', { EXECUTION_DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/mc' }, /^message-center execution: PostgreSQL is unreachable at 127\.0\.0\.1:1 \(EXECUTION_DATABASE_URL\): .+ — start it \(/],
    ['control', { CONTROL_DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/mc' }, /^message-center control: PostgreSQL is unreachable at 127\.0\.0\.1:1 \(CONTROL_DATABASE_URL\)/],
    ['execution', { EXECUTION_PORT: 'abc', MC_ROLE: 'boss' }, /^message-center execution: Invalid configuration:/],
  ] as const)('%s with %j says which, where and how to fix it, in one line, and exits 1', async (app, env, message) => {
    const child = spawnApp(apps[app], env, { capture: true });
    expect(await child.exited).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(child.lines[0]).toMatch(message);
    if (!('EXECUTION_PORT' in env)) expect(child.lines).toHaveLength(1);
    expect(child.lines.join('\n')).not.toMatch(/^\s+at /m);
  });
});
