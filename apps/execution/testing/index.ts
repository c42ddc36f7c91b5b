import type { Logger } from '@mc/observability';
import { cloneTestDatabase, deleteRedisPrefix, jsonRequest, randomQueuePrefix, testLogger, waitFor, TEST_CONTROL_KEY, TEST_PRODUCER_KEY, TEST_REDIS_URL, type JsonAnswer, type TestDatabase } from '@mc/testing';
import { TemplateRenderer } from '@mc/templates';
import { readExecutionEnv, startExecutionInstance, type ExecutionInstance } from '../src/index';
import { TemplateVersionCache } from '../src/templates/published-templates';
import type { LinkingContext } from '../src/workflows/event-linking';

export interface ExecutionHarness {
  instance: ExecutionInstance;
  baseUrl: string;
  database: TestDatabase;
  prefix: string;
  /** fetch against the instance with the producer key (or `key`), JSON in and out. */
  request(method: string, path: string, body?: unknown, key?: string | null): Promise<JsonAnswer>;
  /** Another instance on the same database and prefix (e.g. a worker-only process), with its own logger if given. */
  startSibling(overrides?: Record<string, string>, siblingLogger?: Logger): Promise<ExecutionInstance>;
  close(): Promise<void>;
}

/**
 * An execution instance on its own cloned database and its own queue prefix, listening on a
 * free port, with a producer key and a control credential. `close()` stops it and removes
 * its database and Redis keys.
 */
export async function startExecutionHarness(overrides: Record<string, string> = {}): Promise<ExecutionHarness> {
  const database = await cloneTestDatabase('execution');
  const prefix = randomQueuePrefix();
  const baseEnv = {
    NODE_ENV: 'test',
    REDIS_URL: TEST_REDIS_URL,
    EXECUTION_DATABASE_URL: database.url,
    EXECUTION_PORT: '0',
    MC_QUEUE_PREFIX: prefix,
    MC_API_KEY: TEST_PRODUCER_KEY,
    MC_CONTROL_CREDENTIAL: TEST_CONTROL_KEY,
    DATABASE_POOL_SIZE: '10',
    API_KEY_CACHE_MS: '0',
    ...overrides,
  };
  const logger = testLogger('execution');
  const instance = await startExecutionInstance(readExecutionEnv(baseEnv), logger);
  const siblings: ExecutionInstance[] = [];
  const baseUrl = `http://127.0.0.1:${instance.port ?? 0}`;
  return {
    instance,
    baseUrl,
    database,
    prefix,
    request: (method, path, body, key = TEST_PRODUCER_KEY) => jsonRequest(baseUrl, method, path, body, key),
    async startSibling(siblingOverrides = {}, siblingLogger = logger) {
      const sibling = await startExecutionInstance(readExecutionEnv({ ...baseEnv, ...siblingOverrides }), siblingLogger);
      siblings.push(sibling);
      return sibling;
    },
    async close() {
      await Promise.all(siblings.map((sibling) => sibling.close()));
      await instance.close();
      await deleteRedisPrefix(prefix);
      await database.drop();
    },
  };
}

/** Waits until the event reaches one of `statuses` (via the public API) and returns it. */
export function eventWithStatus(mc: ExecutionHarness, id: string, statuses: string | readonly string[]): Promise<any> {
  const wanted = typeof statuses === 'string' ? [statuses] : statuses;
  return waitFor(async () => {
    const event = await mc.request('GET', `/api/v1/events/${id}`);
    return wanted.includes(event.body.status) ? event.body : undefined;
  });
}

/** Linked, whether or not its delivery has finished yet. */
export const LINKED = ['pending_delivery', 'sent'] as const;

/** What linking needs, for a test that links events itself (an `api` harness runs no workflows). */
export function linkingContext(mc: ExecutionHarness, overrides: Partial<LinkingContext> = {}): LinkingContext {
  const pool = mc.instance.db.pool;
  return { pool, renderer: new TemplateRenderer(), templates: new TemplateVersionCache(pool), lease: { holder: 'a-test', ms: 15_000 }, ...overrides };
}
