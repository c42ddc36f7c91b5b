import winston from 'winston';
import { isError } from '@mc/domain';

export type LogFormat = 'json' | 'pretty';
export type Logger = winston.Logger;

export interface LoggerOptions {
  /** `error` … `debug`; default `info`. */
  level?: string;
  /** `json` for machines, `pretty` for a terminal; default: `pretty` on a TTY, else `json`. */
  format?: LogFormat;
  /** The app, e.g. `execution` or `control`. */
  service: string;
  /** The instance name, on every line. */
  instance?: string;
  /** Silences the logger (tests). */
  silent?: boolean;
}

/** Keys whose values never reach a log line: payloads, addresses and secrets. */
export const REDACTED_KEYS = new Set([
  'ctx',
  'email',
  'mobilePhone',
  'recipient',
  'authorization',
  'apiKey',
  'credential',
  'password',
  'token',
  'html',
  'text',
  'subject',
]);

const EMAIL_PATTERN = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const PHONE_PATTERN = /\+[1-9]\d{6,14}\b/g;

/** Addresses inside free text (an SMTP server's reply, an error message) are masked too. */
export function scrubAddresses(text: string): string {
  return text.replace(EMAIL_PATTERN, '[email]').replace(PHONE_PATTERN, '[phone]');
}

function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubAddresses(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (isError(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = REDACTED_KEYS.has(key) ? '[redacted]' : redact(inner, depth + 1);
  }
  return out;
}

const redactFormat = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (REDACTED_KEYS.has(key)) info[key] = '[redacted]';
    else if (key !== 'level') info[key] = redact(info[key]);
  }
  if (typeof info.stack === 'string') info.stack = scrubAddresses(info.stack);
  return info;
});

/** One winston logger per process; pass it (or a `child`) to every component. */
export function createLogger(options: LoggerOptions): Logger {
  const format = options.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const base = [winston.format.errors({ stack: true }), redactFormat(), winston.format.timestamp()];
  const output =
    format === 'json'
      ? winston.format.json()
      : winston.format.printf(({ level, message, timestamp, service, instance, ...meta }) => {
          const rest = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : '';
          const where = typeof instance === 'string' ? `${String(service)}/${instance}` : String(service);
          return `${String(timestamp)} ${level} [${where}] ${String(message)}${rest}`;
        });
  const logger = winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent ?? false,
    defaultMeta: { service: options.service, ...(options.instance ? { instance: options.instance } : {}) },
    format: winston.format.combine(...base, format === 'pretty' ? winston.format.colorize() : winston.format.uncolorize(), output),
    transports: [new winston.transports.Console()],
  });
  return skipDisabledLevels(logger);
}

/**
 * winston formats a line (redaction, timestamp, JSON) before its transports drop a level they do
 * not log, so a `debug` call on a hot path costs as much as a written line. Here a call at a
 * disabled level returns at once. Set on the instance, so `child` loggers (which inherit from it)
 * skip too, and the level may still change at run time.
 */
function skipDisabledLevels(logger: Logger): Logger {
  for (const level of Object.keys(logger.levels)) {
    const write = (logger as unknown as Record<string, (...args: unknown[]) => Logger>)[level];
    if (typeof write !== 'function') continue;
    Object.defineProperty(logger, level, {
      value: function (this: Logger, ...args: unknown[]): Logger {
        return this.isLevelEnabled(level) ? write.apply(this, args) : this;
      },
    });
  }
  return logger;
}
