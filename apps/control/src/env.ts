import { z } from 'zod';
import { envVar, httpServerEnv, parseEnv, refuseDevelopmentSettings, SECOND, MINUTE } from '@mc/domain';

/** The control instance's whole configuration; the only module of this app that reads `process.env`. */
export const controlEnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    REDIS_URL: envVar.url('redis://127.0.0.1:6379'),
    CONTROL_DATABASE_URL: envVar.url('postgresql://postgres@127.0.0.1:5432/mc_control'),
    CONTROL_PORT: envVar.port(3000),
    ...httpServerEnv,
    /**
     * Seals the secrets control stores (the execution instances' credentials): any string of at
     * least 32 characters, e.g. `openssl rand -base64 32`. Required in production; in development
     * a fixed development key is used, and the log says so.
     */
    MC_SECRET_KEY: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)').optional(),
    /** Former MC_SECRET_KEY values, comma-separated: they still open what they sealed, which is sealed again with the new key at start. */
    MC_SECRET_KEY_PREVIOUS: z
      .string()
      .min(1)
      .transform((value) => value.split(',').map((key) => key.trim()).filter((key) => key.length > 0))
      .optional(),
    /** The operators' bootstrap token (`Authorization: Bearer …`). */
    MC_ADMIN_TOKEN: envVar.secret(),
    /** This control instance's name: its default queue prefix, so two controls on one Redis do not share queues. */
    MC_CONTROL_NAME: envVar.instanceName('control'),
    /** BullMQ key prefix of the control instance; default `{mc-<MC_CONTROL_NAME>}` (hash-tagged for Redis Cluster). */
    MC_CONTROL_QUEUE_PREFIX: z.string().min(1).optional(),
    /** Basic auth of `/admin/*` (Bull Board, outbox); both unset: the dashboards are off. */
    MC_ADMIN_USER: z.string().min(1).optional(),
    MC_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
    LOG_LEVEL: envVar.logLevel(),
    LOG_FORMAT: envVar.logFormat(),
    /** How often each account's archiving runs (ms). */
    ARCHIVE_EVERY_MS: envVar.int(1 * MINUTE, 100),
    /** How often the archiving schedulers are checked against the accounts and put back if removed or changed (ms). */
    SCHEDULER_CHECK_EVERY_MS: envVar.int(30 * SECOND, 100),
    /** Events per archive-feed page. */
    ARCHIVE_PAGE_SIZE: envVar.int(1_000, 1),
    /** Pages one archiving run reads at most before leaving the rest to the next run. */
    ARCHIVE_MAX_PAGES_PER_RUN: envVar.int(100, 1),
    /** A call to an execution instance that has not answered after this long (ms) fails. */
    EXECUTION_CALL_TIMEOUT_MS: envVar.int(10 * SECOND, 100),
    /** `Authorization: Bearer <token>` for /metrics and the details of /ready; unset: /metrics is open, /ready says only ok/not ok. */
    MC_METRICS_TOKEN: envVar.secret(),
    /**
     * The only hosts control registers and calls, comma-separated: `host`, `host:port`,
     * `*.domain`, IP literals (`[::1]:3001`). Unset: any host (fine on a closed network; in
     * production, list your execution instances so registration cannot be used to probe the network).
     */
    MC_EXECUTION_URL_ALLOW: z
      .string()
      .min(1)
      .transform((value) => value.split(',').map((host) => host.trim()).filter((host) => host.length > 0))
      .optional(),
  })
  .superRefine(
    refuseDevelopmentSettings({
      required: { MC_SECRET_KEY: 'it seals the execution-instance credentials stored on control' },
      credentials: ['MC_ADMIN_TOKEN', 'MC_ADMIN_PASSWORD', 'MC_SECRET_KEY', 'MC_METRICS_TOKEN'],
    }),
  )
  .transform((env) => ({ ...env, MC_CONTROL_QUEUE_PREFIX: env.MC_CONTROL_QUEUE_PREFIX ?? `{mc-${env.MC_CONTROL_NAME}}` }));

export type ControlEnv = z.output<typeof controlEnvSchema>;

export function readControlEnv(source: Record<string, string | undefined> = process.env): ControlEnv {
  return parseEnv(controlEnvSchema, source);
}
