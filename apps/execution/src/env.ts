import { z } from 'zod';
import { envVar, parseEnv, SECOND } from '@mc/domain';

/**
 * The execution instance's whole configuration. This is the only module that reads
 * `process.env`; every variable is documented in `.env.example` and the README.
 */
export const executionEnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    REDIS_URL: envVar.url('redis://127.0.0.1:6379'),
    EXECUTION_DATABASE_URL: envVar.url('postgresql://postgres@127.0.0.1:5432/mc_execution'),
    EXECUTION_PORT: envVar.port(3001),
    /** `api` serves HTTP only, `worker` runs the workflows only, `all` both. */
    MC_ROLE: z.enum(['api', 'worker', 'all']).default('all'),
    MC_INSTANCE_NAME: envVar.instanceName('local'),
    /** BullMQ key prefix; default `{mc-<MC_INSTANCE_NAME>}` (hash-tagged for Redis Cluster). */
    MC_QUEUE_PREFIX: z.string().min(1).optional(),
    MC_API_KEY: envVar.secret(),
    MC_CONTROL_CREDENTIAL: envVar.secret(),
    LOG_LEVEL: envVar.logLevel(),
    LOG_FORMAT: envVar.logFormat(),
    DATABASE_POOL_SIZE: envVar.int(20, 1),
    RT_WORKER_CONCURRENCY: envVar.int(50, 1),
    BATCH_WORKER_CONCURRENCY: envVar.int(4, 1),
    /** Bytes of a `POST /api/v1/events` body. */
    RT_BODY_LIMIT_BYTES: envVar.int(128 * 1024, 1024),
    /** Bytes of a `POST /api/v1/events/batch` body. */
    BATCH_BODY_LIMIT_BYTES: envVar.int(32 * 1024 * 1024, 1024),
    /** Requests per second per API key and per process on the intake endpoints; 0 = no limit. */
    INTAKE_RATE_LIMIT_PER_SECOND: envVar.int(0),
    /** How often the reconciler looks for pending events without a job (ms). */
    RECONCILE_EVERY_MS: envVar.int(30 * SECOND, SECOND),
    /** A pending event younger than this (ms) is left alone by the reconciler: its enqueue may be in flight. */
    RECONCILE_GRACE_MS: envVar.int(30 * SECOND),
    /** How long a verified API key is trusted before it is looked up again (ms): revocation delay. */
    API_KEY_CACHE_MS: envVar.int(10 * SECOND),
  })
  .transform((env) => ({ ...env, MC_QUEUE_PREFIX: env.MC_QUEUE_PREFIX ?? `{mc-${env.MC_INSTANCE_NAME}}` }));

export type ExecutionEnv = z.output<typeof executionEnvSchema>;

export function readExecutionEnv(source: Record<string, string | undefined> = process.env): ExecutionEnv {
  return parseEnv(executionEnvSchema, source);
}
