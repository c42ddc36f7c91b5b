import { createHash, randomBytes } from 'node:crypto';
import type { Principal, VerifyToken } from '@mc/http';
import { AppError, uuidv7 } from '@mc/domain';
import { DEFAULT_PRODUCER } from '@mc/contract';
import { type Logger } from '@mc/observability';
import type { ExecutionPrisma } from '@mc/db';

/**
 * What a key may do. `events:read` reads its producer's events; `events:read:all` every
 * producer's (operators' tools); `control` is the control instance's credential (templates,
 * archive feed, suppressions).
 */
export const API_KEY_SCOPES = ['events:write', 'events:read', 'events:read:all', 'control'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/**
 * Keys are 32 random bytes: sha256 is enough to store them (no dictionary to attack), and it
 * lets a key be found by its hash in one indexed lookup.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateApiKey(): string {
  return `mc_${randomBytes(32).toString('base64url')}`;
}

/** What listings show of a key: random, so it tells nothing about the key itself. */
function newKeyId(): string {
  return `key_${randomBytes(5).toString('hex')}`;
}

export interface ApiKeyView {
  id: string;
  name: string;
  producer: string;
  keyId: string;
  scopes: string[];
  createdAt: Date;
  revokedAt: Date | null;
}

const VIEW = { id: true, name: true, producer: true, keyId: true, scopes: true, createdAt: true, revokedAt: true } as const;

/** Creates a key; the returned `key` is shown once and never stored. */
export async function createApiKey(
  prisma: ExecutionPrisma,
  input: { name: string; scopes: ApiKeyScope[]; producer?: string; key?: string },
): Promise<ApiKeyView & { key: string }> {
  const key = input.key ?? generateApiKey();
  try {
    const row = await prisma.apiKey.create({
      data: { id: uuidv7(), name: input.name, producer: input.producer ?? input.name, hash: hashApiKey(key), keyId: newKeyId(), scopes: input.scopes },
      select: VIEW,
    });
    return { ...row, key };
  } catch (thrown) {
    if ((thrown as { code?: string }).code === 'P2002') throw new AppError('conflict', `An API key named "${input.name}" already exists.`);
    throw thrown;
  }
}

export async function revokeApiKey(prisma: ExecutionPrisma, name: string): Promise<boolean> {
  const { count } = await prisma.apiKey.updateMany({ where: { name, revokedAt: null }, data: { revokedAt: new Date() } });
  return count > 0;
}

export function listApiKeys(prisma: ExecutionPrisma): Promise<ApiKeyView[]> {
  return prisma.apiKey.findMany({ select: VIEW, orderBy: { createdAt: 'asc' } });
}

/** A key given in the environment: `MC_API_KEY`, `MC_CONTROL_CREDENTIAL`. */
export interface BootstrapKey {
  name: string;
  /** Unset: the variable is not set, and a key made from it earlier is revoked. */
  key: string | undefined;
  scopes: ApiKeyScope[];
  /** Which variable it comes from, for the log. */
  variable: string;
}

/**
 * Makes the bootstrap keys match the environment: each set variable's key exists under its
 * name with its scopes, for producer `default` (a changed value replaces the previous key, which
 * stops working); a variable no longer set revokes the key it made. Safe on concurrent starts.
 */
export async function reconcileBootstrapKeys(prisma: ExecutionPrisma, keys: readonly BootstrapKey[], logger: Logger): Promise<void> {
  for (const bootstrap of keys) {
    if (bootstrap.key === undefined) {
      const { count } = await prisma.apiKey.updateMany({ where: { name: bootstrap.name, revokedAt: null }, data: { revokedAt: new Date() } });
      if (count > 0) logger.warn(`bootstrap key "${bootstrap.name}" revoked: ${bootstrap.variable} is no longer set`);
      continue;
    }
    const hash = hashApiKey(bootstrap.key);
    const current = await prisma.apiKey.findUnique({ where: { name: bootstrap.name }, select: { hash: true, revokedAt: true, scopes: true } });
    if (current && current.hash === hash && current.revokedAt === null && current.scopes.join() === bootstrap.scopes.join()) continue;
    const fields = { hash, producer: DEFAULT_PRODUCER, keyId: newKeyId(), scopes: bootstrap.scopes, revokedAt: null };
    await prisma.apiKey.upsert({ where: { name: bootstrap.name }, create: { id: uuidv7(), name: bootstrap.name, ...fields }, update: fields });
    if (current) logger.info(`bootstrap key "${bootstrap.name}" replaced: ${bootstrap.variable} changed`);
  }
}

export interface KeyVerifierOptions {
  /** How long a valid key is trusted before it is looked up again, in ms: the revocation delay. */
  cacheMs: number;
  /** How long an unknown key is refused without a lookup, in ms; default min(cacheMs, 2 s). */
  negativeCacheMs?: number;
}

/** How long a key found valid may be looked up while its address is blocked (ms). */
const KNOWN_GOOD_MS = 24 * 60 * 60 * 1000;

/** Keys remembered at most, valid and unknown apart; the oldest is forgotten first. */
const MAX_CACHED_KEYS = 10_000;

/** A bounded map of hash → value until a time. */
class ExpiringCache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();
  constructor(private readonly ms: number) {}
  get(key: string, now = Date.now()): T | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.until > now) return entry.value;
    if (entry) this.entries.delete(key);
    return undefined;
  }
  delete(key: string): void {
    this.entries.delete(key);
  }
  set(key: string, value: T, now = Date.now()): void {
    if (this.ms <= 0) return;
    if (this.entries.size >= MAX_CACHED_KEYS) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { value, until: now + this.ms });
  }
}

/**
 * Verifies bearer keys against the database, with a short cache so intake is not one query more
 * per event. Valid and unknown keys are cached apart: a flood of made-up keys cannot push real
 * ones out, and the same made-up key tried again costs no lookup for a moment.
 */
export function createKeyVerifier(prisma: ExecutionPrisma, options: KeyVerifierOptions): VerifyToken {
  const valid = new ExpiringCache<Principal>(options.cacheMs);
  const unknown = new ExpiringCache<true>(options.negativeCacheMs ?? Math.min(options.cacheMs, 2_000));
  // Keys found valid in the last day: looked up again even while their address is blocked.
  const knownGood = new ExpiringCache<true>(KNOWN_GOOD_MS);
  const verify = async (token: string): Promise<Principal | undefined> => {
    const hash = hashApiKey(token);
    const hit = valid.get(hash);
    if (hit) return hit;
    if (unknown.get(hash)) return undefined;
    const row = await prisma.apiKey.findUnique({ where: { hash }, select: { name: true, producer: true, scopes: true, revokedAt: true } });
    if (!row || row.revokedAt) {
      unknown.set(hash, true);
      knownGood.delete(hash);
      return undefined;
    }
    const principal = { name: row.name, producer: row.producer, scopes: new Set(row.scopes) };
    valid.set(hash, principal);
    knownGood.set(hash, true);
    return principal;
  };
  return Object.assign(verify, {
    cached: (token: string) => valid.get(hashApiKey(token)),
    knownGood: (token: string) => knownGood.get(hashApiKey(token)) === true,
  });
}
