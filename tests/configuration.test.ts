import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '@mc/domain';
import { executionEnvSchema, readExecutionEnv } from '@mc/execution';
import { controlEnvSchema } from '@mc/control';
import { REPO_ROOT } from '@mc/testing';

const root = REPO_ROOT;

describe('configuration', () => {
  it('when nothing is set, then the documented defaults apply', () => {
    const env = readExecutionEnv({});
    expect(env).toMatchObject({
      REDIS_URL: 'redis://127.0.0.1:6379',
      EXECUTION_DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/mc_execution',
      EXECUTION_PORT: 3001,
      MC_INSTANCE_NAME: 'local',
      MC_QUEUE_PREFIX: '{mc-local}',
      MC_ROLE: 'all',
    });
    expect(env.MC_API_KEY).toBeUndefined();
  });

  it('when several variables are bad, then the error lists every one', () => {
    expect(() => readExecutionEnv({ EXECUTION_PORT: 'x', MC_ROLE: 'boss', MC_INSTANCE_NAME: 'Has Spaces' })).toThrow(ConfigError);
    try {
      readExecutionEnv({ EXECUTION_PORT: 'x', MC_ROLE: 'boss', MC_INSTANCE_NAME: 'Has Spaces' });
    } catch (thrown) {
      expect((thrown as ConfigError).problems.map((problem) => problem.split(':')[0])).toEqual(['EXECUTION_PORT', 'MC_ROLE', 'MC_INSTANCE_NAME']);
    }
  });

  it('documents every variable of both apps in .env.example, and nothing else', () => {
    const documented = readFileSync(path.join(root, '.env.example'), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => line.split('=')[0])
      .sort();
    const known = [...new Set([...Object.keys(executionEnvSchema.in.shape), ...Object.keys(controlEnvSchema.in.shape)])].sort();
    expect(documented).toEqual(known);
  });

  it("keeps the README's configuration table true: every variable exists and every stated default is the real one", () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const section = readme.split('## Configuration')[1]?.split('\n## ')[0] ?? '';
    const rows = section.split('\n').filter((line) => /^\| `[A-Z_]+`/.test(line));
    expect(rows.length).toBeGreaterThan(5);
    const defaults: Record<string, unknown> = { ...readExecutionEnv({}), ...controlEnvSchema.parse({}) };
    const known = new Set([...Object.keys(executionEnvSchema.in.shape), ...Object.keys(controlEnvSchema.in.shape)]);
    for (const row of rows) {
      const [variables = '', stated = ''] = row.split('|').slice(1).map((cell) => cell.trim());
      const names = [...variables.matchAll(/`([A-Z_]+)`/g)].map((match) => match[1] as string);
      for (const name of names) expect(known).toContain(name);
      const values = [...stated.matchAll(/`([^`]+)`/g)].map((match) => match[1] as string);
      if (values.length === names.length) names.forEach((name, index) => expect(`${name}=${String(defaults[name])}`).toBe(`${name}=${values[index]}`));
      else expect(stated).toMatch(/^unset/);
    }
  });
});
