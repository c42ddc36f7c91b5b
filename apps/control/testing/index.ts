import { cloneTestDatabase, deleteRedisPrefix, jsonRequest, randomQueuePrefix, testLogger, TEST_ADMIN_TOKEN, TEST_REDIS_URL, type JsonAnswer, type TestDatabase } from '@mc/testing';
import { readControlEnv, startControlInstance, type ControlInstance } from '../src/index';

export interface ControlHarness {
  control: ControlInstance;
  baseUrl: string;
  database: TestDatabase;
  prefix: string;
  env: Record<string, string>;
  request(method: string, path: string, body?: unknown, token?: string | null): Promise<JsonAnswer>;
  /** Another control process on the same database and queues (with some variables changed). */
  startSibling(overrides?: Record<string, string>): Promise<ControlInstance>;
  close(): Promise<void>;
}

/** A control instance on its own cloned database and queue prefix, on a free port. */
export async function startControlHarness(overrides: Record<string, string> = {}): Promise<ControlHarness> {
  const database = await cloneTestDatabase('control');
  const prefix = randomQueuePrefix();
  const env = {
    NODE_ENV: 'test',
    REDIS_URL: TEST_REDIS_URL,
    CONTROL_DATABASE_URL: database.url,
    CONTROL_PORT: '0',
    MC_CONTROL_QUEUE_PREFIX: prefix,
    MC_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    // Tests run archiving when they want it: after registration's own run, the next scheduled
    // one is an hour away. (A scheduler created at start for an existing account runs at once.)
    ARCHIVE_EVERY_MS: '3600000',
    ...overrides,
  };
  const logger = testLogger('control');
  const control = await startControlInstance(readControlEnv(env), logger);
  const siblings: ControlInstance[] = [];
  const baseUrl = `http://127.0.0.1:${control.port}`;
  return {
    control,
    baseUrl,
    database,
    prefix,
    env,
    request: (method, path, body, token = TEST_ADMIN_TOKEN) => jsonRequest(baseUrl, method, path, body, token),
    async startSibling(siblingOverrides = {}) {
      const sibling = await startControlInstance(readControlEnv({ ...env, ...siblingOverrides }), logger);
      siblings.push(sibling);
      return sibling;
    },
    async close() {
      await Promise.all(siblings.map((sibling) => sibling.close()));
      await control.close();
      await deleteRedisPrefix(prefix);
      await database.drop();
    },
  };
}
