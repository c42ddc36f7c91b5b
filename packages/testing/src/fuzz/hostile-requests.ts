import { gzipSync } from 'node:zlib';
import type { RouteEntry } from '@mc/http';
import { HOSTILE_STRINGS, hostileValue, mutate, type Random } from './hostile-values';

export interface HostileRequest {
  method: string;
  /** Path and query as sent, percent-encoding included (possibly broken on purpose). */
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** What the generator knows of the app under test: credentials, real ids, valid bodies per route. */
export interface FuzzTarget {
  routes: readonly RouteEntry[];
  /** `Authorization` values that work on the API and on /admin (tried most of the time, so requests reach the handlers)… */
  credentials: { api: readonly string[]; admin: readonly string[] };
  /** …and values that do not. */
  badCredentials: readonly string[];
  /** Real values for path parameters (`id`, `name`, `queueName`…), so requests reach deep. */
  params: Record<string, readonly string[]>;
  /** A valid body for `METHOD path`; the generator mutates it. */
  bodies: Record<string, unknown>;
  /** Query parameters the app reads somewhere. */
  queryNames: readonly string[];
}

const EXTRA_METHODS = ['PROPFIND', 'TRACE', 'OPTIONS', 'HEAD'];
const CONTENT_TYPES = [
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/json; charset=latin-9',
  'application/merge-patch+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  '',
];

/** Percent-encoding of any string (a lone surrogate becomes U+FFFD: a URL cannot carry one). */
function encode(value: string): string {
  return encodeURIComponent(value.toWellFormed());
}

function encodeSegment(random: Random, value: string): string {
  switch (random.int(6)) {
    case 0:
      return random.pick(['%E0%A4%A', '%', '%zz', '%00', '%C0%AF', '..', '%2e%2e', '%2F']);
    case 1:
      return value.replace(/[^A-Za-z0-9_.-]/g, '');
    default:
      return encode(value);
  }
}

function pathFor(random: Random, route: RouteEntry, target: FuzzTarget): string {
  return route.path.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
    const known = target.params[name];
    const value = known && known.length > 0 && random.chance(0.6) ? random.pick(known) : random.pick(HOSTILE_STRINGS);
    return random.chance(0.2) ? encodeSegment(random, value) : encode(value);
  });
}

function queryFor(random: Random, target: FuzzTarget): string {
  const parts: string[] = [];
  for (let count = random.int(4); count > 0; count--) {
    const name = random.chance(0.85) ? random.pick(target.queryNames) : random.pick(HOSTILE_STRINGS);
    const value = String(hostileValue(random, 0));
    const key = random.chance(0.1) ? `${name}[x]` : name;
    parts.push(`${encode(key)}=${random.chance(0.15) ? random.pick(['%E0%A4%A', '%', '%00']) : encode(value)}`);
    if (random.chance(0.1)) parts.push(`${encode(name)}=again`);
  }
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

function bodyFor(random: Random, route: RouteEntry, target: FuzzTarget): { body?: Buffer; headers: Record<string, string> } {
  const valid = target.bodies[`${route.method} ${route.path}`];
  if ((route.method === 'GET' || route.method === 'DELETE') && !random.chance(0.1)) return { headers: {} };
  const value = valid !== undefined && random.chance(0.3) ? valid : mutate(random, valid ?? {});
  let text: string;
  try {
    text = JSON.stringify(value) ?? 'null';
  } catch {
    text = '{"deep":';
  }
  switch (random.int(12)) {
    case 0:
      text = text.slice(0, Math.max(1, random.int(text.length)));
      break;
    case 1:
      text = `\ufeff${text}`;
      break;
    case 2:
      text = text.replace(/"/g, "'");
      break;
    default:
  }
  let body = Buffer.from(text, 'utf8');
  const headers: Record<string, string> = {};
  const type = random.pick(CONTENT_TYPES);
  if (type) headers['content-type'] = type;
  if (type.includes('utf-16')) body = Buffer.from(text, 'utf16le');
  if (random.chance(0.1)) {
    headers['content-encoding'] = random.pick(['gzip', 'deflate', 'br', 'identity', 'x-unknown']);
    if (headers['content-encoding'] === 'gzip' && random.chance(0.5)) body = gzipSync(body);
  }
  if (random.chance(0.02)) body = Buffer.alloc(200_000, 0x20);
  return { body, headers };
}

/** One hostile request against one of the target's routes (or none: an unknown method or path). */
export function hostileRequest(random: Random, target: FuzzTarget): HostileRequest {
  const route = random.chance(0.03) ? { method: random.pick(EXTRA_METHODS), path: random.pick(target.routes).path } : random.pick(target.routes);
  const { body, headers } = bodyFor(random, route, target);
  const valid = route.path.startsWith('/admin') ? target.credentials.admin : target.credentials.api;
  if (random.chance(0.95)) headers.authorization = random.pick(random.chance(0.8) ? valid : target.badCredentials);
  if (route.path.startsWith('/admin') && random.chance(0.5)) {
    headers[random.pick(['origin', 'sec-fetch-site'])] = random.pick(['same-origin', 'cross-site', 'null', 'https://evil.example', 'http://127.0.0.1']);
  }
  if (random.chance(0.05)) headers[random.pick(['accept', 'x-forwarded-for', 'range', 'if-none-match', 'accept-encoding'])] = random.pick(HOSTILE_STRINGS).replace(/[^\x20-\x7e]/g, '');
  return {
    method: route.method,
    target: `${pathFor(random, route, target)}${route.method === 'GET' || random.chance(0.2) ? queryFor(random, target) : ''}`,
    headers,
    ...(body === undefined || route.method === 'HEAD' ? {} : { body }),
  };
}
