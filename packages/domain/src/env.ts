import { z } from 'zod';

/** Thrown by `parseEnv`: lists every bad variable at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses an app's environment through its one schema; fails listing every bad variable. */
export function parseEnv<S extends z.ZodType>(schema: S, source: Record<string, string | undefined>): z.output<S> {
  // An empty variable (`FOO=`) means "unset", as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`));
  }
  return result.data;
}

/** Env schema building blocks. */
export const envVar = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  int: (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback),
  url: (fallback: string) => z.url().default(fallback),
  optionalUrl: () => z.url().optional(),
  secret: () => z.string().min(16, 'must be at least 16 characters').optional(),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .transform((value) => value === 'true' || value === '1' || value === 'yes')
      .default(fallback),
  logLevel: () => z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
  logFormat: () => z.enum(['json', 'pretty']).optional(),
  /** A name usable as a queue prefix and an account name: letters, digits, `-` and `_`. */
  instanceName: (fallback: string) =>
    z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be 1–63 lowercase letters, digits, - or _')
      .default(fallback),
};

/** The HTTP side of both apps: the server (see `listenHttp` in @mc/http), authentication limits, proxies, the dashboard. */
export const httpServerEnv = {
  /** The address to listen on; the container image sets `0.0.0.0`. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** A client must have sent its request headers within this (ms). */
  HTTP_HEADERS_TIMEOUT_MS: envVar.int(10_000, 100),
  /** …and its whole request, body included, within this (ms). */
  HTTP_REQUEST_TIMEOUT_MS: envVar.int(60_000, 100),
  /** Open connections per process at most. */
  HTTP_MAX_CONNECTIONS: envVar.int(1_024, 1),
  /** The admin dashboard shows and changes nothing (every request but GET/HEAD/OPTIONS is 403). */
  MC_ADMIN_READ_ONLY: envVar.bool(false),
  /** Failed authentications per second per client address (0: no limit), and the burst allowed. */
  AUTH_FAILURES_PER_SECOND: envVar.int(20),
  AUTH_FAILURES_BURST: envVar.int(100, 1),
  /**
   * Which proxies to trust for the client address (`X-Forwarded-For`), as Express' `trust proxy`:
   * a hop count (`1`), `true`, or addresses/subnets (`loopback, 10.0.0.0/8`). Unset: none, the
   * socket's address is the client's. Behind a load balancer, set it, or every client shares the
   * balancer's address for the failed-authentication limit.
   */
  MC_TRUST_PROXY: z
    .string()
    .min(1)
    .transform((value): boolean | number | string => (value === 'true' ? true : value === 'false' ? false : /^\d+$/.test(value) ? Number(value) : value))
    .optional(),
};

/** The `listenHttp` options from an app's parsed environment. */
export function httpServerOptions(env: { HOST: string; HTTP_HEADERS_TIMEOUT_MS: number; HTTP_REQUEST_TIMEOUT_MS: number; HTTP_MAX_CONNECTIONS: number }, port: number) {
  return {
    host: env.HOST,
    port,
    headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
    maxConnections: env.HTTP_MAX_CONNECTIONS,
  };
}

/** Values only development setups use (`npm start`, docker-compose.yml): never valid in production. */
const DEVELOPMENT_VALUES = new Set(['message-center-dev', 'message-center-development-secret-key-not-secret']);

/** Is this one of the development credentials (they all say `change_me`, or are listed above)? */
export function isDevelopmentCredential(value: string): boolean {
  return /change[_-]?me/i.test(value) || DEVELOPMENT_VALUES.has(value);
}

export interface ProductionRules {
  /** Variables production cannot do without, and why. */
  required: Record<string, string>;
  /** Variables holding credentials: a development value there is refused. */
  credentials: readonly string[];
}

/**
 * With `NODE_ENV=production`, an app refuses development settings: each required variable that
 * is unset and each credential holding a development value is an issue naming the variable, so
 * `parseEnv` lists them all and the app does not start.
 */
export function refuseDevelopmentSettings(rules: ProductionRules) {
  return (env: Record<string, unknown>, context: z.RefinementCtx): void => {
    if (env.NODE_ENV !== 'production') return;
    for (const [variable, why] of Object.entries(rules.required)) {
      if (env[variable] === undefined) context.addIssue({ code: 'custom', path: [variable], message: `is required in production (${why})` });
    }
    // Every app has the HTTP variables: trusting any X-Forwarded-For lets a client choose its own address.
    if (env.MC_TRUST_PROXY === true) {
      context.addIssue({ code: 'custom', path: ['MC_TRUST_PROXY'], message: 'true trusts any X-Forwarded-For (a client could pick its address): give the hop count or the proxies\' addresses' });
    }
    for (const variable of rules.credentials) {
      const value = env[variable];
      if (typeof value === 'string' && isDevelopmentCredential(value)) {
        context.addIssue({ code: 'custom', path: [variable], message: 'holds a development credential; set a secret of your own in production' });
      }
    }
  };
}
