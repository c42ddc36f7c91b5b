/** @jest-config-loader esbuild-register */
// Jest reads this file through esbuild-register (the docblock above), not ts-node: one loader for
// the config, one transform (@swc/jest) for the code, and no TypeScript compiler at test time.
import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  // In-repo imports of @message-center/client get its sources, not its build (package.json "exports").
  testEnvironmentOptions: { customExportConditions: ['node', 'node-addons', '@message-center/source'] },
  roots: ['<rootDir>/apps', '<rootDir>/packages', '<rootDir>/tests'],
  // Each workspace's own tests in its test/; tests of the apps together in tests/.
  testMatch: ['**/test/**/*.test.ts', '<rootDir>/tests/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  globalSetup: '<rootDir>/packages/testing/src/global-setup.ts',
  // Each test file gets its own database and queue prefix, so files run in parallel safely.
  maxWorkers: 2,
  testTimeout: 60_000,
};

export default config;
