/** @jest-config-loader esbuild-register */
// Jest reads this file through esbuild-register (the docblock above), not ts-node: ts-node
// cannot load TypeScript 7 and we keep one loader for config and one transform (@swc/jest) for code.
import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
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
  // Fails a test file that leaves a handle (a worker, a pool, a socket) open.
  detectOpenHandles: false,
};

export default config;
