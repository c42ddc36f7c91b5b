import { z } from 'zod';
import { DAY, HOUR, envVar, httpServerEnv, parseEnv, refuseDevelopmentSettings, SECOND } from '@mc/domain';
import { DEFAULT_RETRY_SCHEDULE_MS, DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS } from './delivery/retry-schedule';

/** A retry schedule: the waits after the 1st, 2nd, … failed try, comma-separated (ms); the last one repeats. */
const retrySchedule = (defaults: readonly number[]) =>
  z
    .string()
    .regex(/^\d+(,\d+)*$/, 'must be comma-separated milliseconds, e.g. 1000,10000,60000')
    .transform((value) => value.split(',').map(Number))
    .default(() => [...defaults]);

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
    ...httpServerEnv,
    /** `api` serves HTTP only, `worker` runs the workflows only, `inbound` the inbound SMTP listener only, `all` every one. */
    MC_ROLE: z.enum(['api', 'worker', 'inbound', 'all']).default('all'),
    MC_INSTANCE_NAME: envVar.instanceName('local'),
    /** BullMQ key prefix; default `{mc-<MC_INSTANCE_NAME>}` (hash-tagged for Redis Cluster). */
    MC_QUEUE_PREFIX: z.string().min(1).optional(),
    MC_API_KEY: envVar.secret(),
    MC_CONTROL_CREDENTIAL: envVar.secret(),
    /** Basic auth of `/admin/*` (Bull Board, outbox); both unset: the dashboards are off. */
    MC_ADMIN_USER: z.string().min(1).optional(),
    MC_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
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
    /** How often the job schedulers are checked and put back if removed or changed (ms). */
    SCHEDULER_CHECK_EVERY_MS: envVar.int(30 * SECOND, 100),
    /** A pending event younger than this (ms) is left alone by the reconciler: its enqueue may be in flight. */
    RECONCILE_GRACE_MS: envVar.int(30 * SECOND),
    /** SMTP server for email; unset: an embedded development sink (mail kept in memory, never sent). */
    SMTP_URL: envVar.optionalUrl(),
    SMTP_POOL_SIZE: envVar.int(5, 1),
    MC_EMAIL_FROM: z.string().min(3).default('Message Center <no-reply@message-center.local>'),
    MC_EMAIL_REPLY_TO: z.string().min(3).optional(),
    /** The right-hand side of Message-IDs (`<deliveryLogId@domain>`); unset: the domain of MC_EMAIL_FROM. */
    MC_MESSAGE_ID_DOMAIN: z.string().regex(/^[A-Za-z0-9.-]+$/, 'must be a domain name').optional(),
    /**
     * The bounce domain: each message's envelope sender (MAIL FROM) is an address on it naming its
     * delivery, and the inbound SMTP listener takes mail for it (publish its MX). Unset: the From
     * address is the envelope sender and nothing listens.
     */
    MC_BOUNCE_DOMAIN: z
      .string()
      .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, 'must be a domain name, e.g. bounces.shop.example')
      .transform((value) => value.toLowerCase())
      .optional(),
    /** The key of the bounce addresses' tags (HMAC); required with MC_BOUNCE_DOMAIN, the same on every process of the instance. */
    MC_BOUNCE_SECRET: envVar.secret(),
    /** DKIM: every message is signed for MC_DKIM_SELECTOR._domainkey.MC_DKIM_DOMAIN with a PEM RSA (2048 bits) or Ed25519 key, from a file or inline. */
    MC_DKIM_DOMAIN: z.string().min(3).optional(),
    MC_DKIM_SELECTOR: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a DNS label, e.g. mc2026').optional(),
    MC_DKIM_PRIVATE_KEY_FILE: z.string().min(1).optional(),
    MC_DKIM_PRIVATE_KEY: z.string().min(1).optional(),
    /** The inbound SMTP listener (roles `inbound` and `all`, with MC_BOUNCE_DOMAIN): port and address. */
    INBOUND_SMTP_PORT: envVar.port(2525),
    INBOUND_SMTP_HOST: z.string().min(1).default('127.0.0.1'),
    /** The largest message it takes (bytes); a bounce carries the original message. */
    INBOUND_MAX_BYTES: envVar.int(10 * 1024 * 1024, 1024),
    /** The SMS provider's HTTP endpoint; unset: SMS deliveries fail with a clear error. */
    SMS_PROVIDER_URL: envVar.optionalUrl(),
    SMS_PROVIDER_TOKEN: z.string().min(1).optional(),
    SMS_FROM: z.string().min(1).optional(),
    /** `Authorization: Bearer <token>` the SMS provider sends with delivery receipts (POST /api/v1/providers/sms/receipts); unset: receipts are refused. */
    SMS_RECEIPT_TOKEN: envVar.secret(),
    /** `Authorization: Bearer <token>` an email provider sends with bounces and complaints (POST /api/v1/providers/email/feedback); unset: refused. */
    EMAIL_FEEDBACK_TOKEN: envVar.secret(),
    SMS_TIMEOUT_MS: envVar.int(10 * SECOND, 100),
    /**
     * When a delivery refused for now (SMTP 4xx, an SMS provider's 5xx or 429) is tried again:
     * the waits after the 1st, 2nd, … failed try, comma-separated (ms); the last one repeats.
     */
    DELIVERY_RETRY_SCHEDULE_MS: retrySchedule(DEFAULT_RETRY_SCHEDULE_MS),
    /** At most this many tries per delivery; unset: as many as the schedule fits in DELIVERY_GIVE_UP_AFTER_MS. */
    DELIVERY_MAX_ATTEMPTS: z.coerce.number().int().min(1).optional(),
    /** A delivery not sent this long after its first try fails for good (ms); an event's `expiresAt` ends it sooner. */
    DELIVERY_GIVE_UP_AFTER_MS: envVar.int(1 * DAY, 0),
    /** The longest wait between two probes of an unreachable SMTP server or SMS provider (ms): sending resumes at most this long after it is back. */
    CIRCUIT_PROBE_MAX_MS: envVar.int(10 * SECOND, 100),
    /** Sends in flight per job. */
    DELIVERY_CONCURRENCY: envVar.int(50, 1),
    /** How long a worker holds a delivery while sending (ms); a crashed worker's deliveries wait this long. */
    DELIVERY_LEASE_MS: envVar.int(15 * SECOND, 100),
    /** How long a job is locked by its worker before it counts as stalled (ms). */
    JOB_LOCK_MS: envVar.int(15 * SECOND, 100),
    /** How often updateEventStatus runs (ms). */
    UPDATE_EVENT_STATUS_EVERY_MS: envVar.int(1 * SECOND, 100),
    /** Delivery logs per updateEventStatus statement. */
    UPDATE_EVENT_STATUS_BATCH_SIZE: envVar.int(5_000, 1),
    /** Final events are purged once archived by the control instance and older than this (ms). */
    PURGE_RETENTION_MS: envVar.int(30 * DAY, 0),
    /** How often the purge runs (ms). */
    PURGE_EVERY_MS: envVar.int(1 * HOUR, SECOND),
    /** Status webhooks: how often events' status changes become webhook messages (ms). */
    WEBHOOK_FANOUT_EVERY_MS: envVar.int(1 * SECOND, 100),
    /** Webhook POSTs in flight per worker process (their own workers: endpoints never slow deliveries). */
    WEBHOOK_CONCURRENCY: envVar.int(20, 1),
    /** An endpoint that has not answered after this long (ms) failed the try. */
    WEBHOOK_TIMEOUT_MS: envVar.int(10 * SECOND, 100),
    /** The waits after the 1st, 2nd, … failed try of a webhook message (ms); default the Standard Webhooks schedule. */
    WEBHOOK_RETRY_SCHEDULE_MS: retrySchedule(DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS),
    /** A webhook message not delivered this long after it was created is given up (ms). */
    WEBHOOK_GIVE_UP_AFTER_MS: envVar.int(1 * DAY, 0),
    /** An endpoint whose every attempt failed for this long (ms) is disabled; PATCH it with `enabled: true` to resume. */
    WEBHOOK_DISABLE_AFTER_MS: envVar.int(5 * DAY, 0),
    /**
     * May webhook URLs reach loopback, private, shared or link-local addresses (the cloud metadata
     * service)? Checked when each connection is made. Unset: yes outside production, no in production.
     */
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES: z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .transform((value) => value === 'true' || value === '1' || value === 'yes')
      .optional(),
    /** After a secret rotation, the previous secret signs messages too for this long (ms). */
    WEBHOOK_SECRET_GRACE_MS: envVar.int(1 * DAY, 0),
    /** Campaign Classic SOAP surface: how long a session opened by xtk:session#Logon lasts (ms). */
    SOAP_SESSION_TTL_MS: envVar.int(1 * DAY, SECOND),
    /** The HTTP status of a SOAP fault: 200 lets Adobe's SDK report the fault's code; SOAP 1.1 says 500. */
    SOAP_FAULT_HTTP_STATUS: z.coerce.number().int().refine((status) => status === 200 || status === 500 || (status >= 400 && status < 500), 'must be 200, a 4xx or 500').default(200),
    /** /nl/jsp/mcPing.jsp says Error above this many pending events of one kind (real-time or batch). */
    MC_PING_PENDING_THRESHOLD: envVar.int(10_000, 1),
    /** How long a verified API key is trusted before it is looked up again (ms): revocation delay. */
    API_KEY_CACHE_MS: envVar.int(10 * SECOND),
    /** A process without HTTP (`worker`, `inbound`) serves /metrics, /health and /ready on this port; unset: it serves nothing (its counters are then unseen). */
    WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    /** `Authorization: Bearer <token>` for /metrics and the details of /ready; unset: /metrics is open, /ready says only ok/not ok. */
    MC_METRICS_TOKEN: envVar.secret(),
  })
  .superRefine(
    refuseDevelopmentSettings({
      required: { SMTP_URL: 'without it, mail goes to the embedded development sink and is never delivered' },
      credentials: ['MC_API_KEY', 'MC_CONTROL_CREDENTIAL', 'MC_ADMIN_PASSWORD', 'MC_METRICS_TOKEN', 'MC_BOUNCE_SECRET', 'SMS_RECEIPT_TOKEN', 'EMAIL_FEEDBACK_TOKEN', 'MC_DKIM_PRIVATE_KEY'],
    }),
  )
  .superRefine((env, context) => {
    const dkim = [env.MC_DKIM_DOMAIN, env.MC_DKIM_SELECTOR, env.MC_DKIM_PRIVATE_KEY_FILE, env.MC_DKIM_PRIVATE_KEY].some((value) => value !== undefined);
    if (dkim) {
      for (const variable of ['MC_DKIM_DOMAIN', 'MC_DKIM_SELECTOR'] as const) {
        if (!env[variable]) context.addIssue({ code: 'custom', path: [variable], message: 'is required to sign with DKIM' });
      }
      if (!env.MC_DKIM_PRIVATE_KEY_FILE === !env.MC_DKIM_PRIVATE_KEY) {
        context.addIssue({ code: 'custom', path: ['MC_DKIM_PRIVATE_KEY_FILE'], message: 'give the DKIM key in exactly one of MC_DKIM_PRIVATE_KEY_FILE and MC_DKIM_PRIVATE_KEY' });
      }
    }
    if (env.MC_BOUNCE_DOMAIN && !env.MC_BOUNCE_SECRET) {
      context.addIssue({ code: 'custom', path: ['MC_BOUNCE_SECRET'], message: 'is required with MC_BOUNCE_DOMAIN (the key of the bounce addresses)' });
    }
  })
  .transform((env) => ({
    ...env,
    MC_QUEUE_PREFIX: env.MC_QUEUE_PREFIX ?? `{mc-${env.MC_INSTANCE_NAME}}`,
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES: env.WEBHOOK_ALLOW_PRIVATE_ADDRESSES ?? env.NODE_ENV !== 'production',
  }));

export type ExecutionEnv = z.output<typeof executionEnvSchema>;

export function readExecutionEnv(source: Record<string, string | undefined> = process.env): ExecutionEnv {
  return parseEnv(executionEnvSchema, source);
}

/** What a process of `MC_ROLE` runs: the HTTP API, the workflows, the inbound SMTP listener (which needs MC_BOUNCE_DOMAIN). */
export function rolesOf(env: Pick<ExecutionEnv, 'MC_ROLE' | 'MC_BOUNCE_DOMAIN'>): { http: boolean; workflows: boolean; inbound: boolean } {
  const all = env.MC_ROLE === 'all';
  return {
    http: all || env.MC_ROLE === 'api',
    workflows: all || env.MC_ROLE === 'worker',
    inbound: (all || env.MC_ROLE === 'inbound') && env.MC_BOUNCE_DOMAIN !== undefined,
  };
}
