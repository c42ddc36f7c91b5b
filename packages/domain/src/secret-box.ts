import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Secrets at rest (an execution instance's credential on control): AES-256-GCM under a key
 * derived (HKDF-SHA256) from `MC_SECRET_KEY`. A sealed value reads
 * `v1:<key id>:<base64url(iv ‖ tag ‖ ciphertext)>`; the key id (a hash of the key, not the key)
 * says which key sealed it, so a rotated key (`MC_SECRET_KEY_PREVIOUS`) still opens old values and
 * a wrong key is a clear error, not garbage. The associated data binds a value to its place (e.g.
 * the account name): a sealed credential copied onto another row does not open.
 */
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** What `seal` writes: the version, an 8-hex key id, the base64url payload. */
const SEALED = /^v1:[0-9a-f]{8}:[A-Za-z0-9_-]{38,}$/;

/** The key used when MC_SECRET_KEY is unset in development: it protects nothing, and says so. */
export const DEVELOPMENT_SECRET_KEY = 'message-center-development-secret-key-not-secret';

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

interface Key {
  id: string;
  bytes: Buffer;
}

function deriveKey(secret: string): Key {
  const bytes = Buffer.from(hkdfSync('sha256', secret, 'message-center', 'secrets-at-rest v1', 32));
  const id = createHash('sha256').update('mc-key-id:').update(bytes).digest('hex').slice(0, 8);
  return { id, bytes };
}

export class SecretBox {
  private readonly current: Key;
  private readonly keys: Map<string, Key>;

  /** `secret` seals and opens; each of `previous` only opens (key rotation). */
  constructor(secret: string, previous: readonly string[] = []) {
    this.current = deriveKey(secret);
    this.keys = new Map([this.current, ...previous.map(deriveKey)].map((key) => [key.id, key]));
  }

  /** Is this value sealed (by any key), as opposed to a legacy clear value? */
  static isSealed(value: string): boolean {
    return SEALED.test(value);
  }

  /** Was it sealed by a key other than the current one (it should be sealed again)? */
  isStale(value: string): boolean {
    return !SecretBox.isSealed(value) || value.split(':')[1] !== this.current.id;
  }

  seal(plaintext: string, associatedData: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.bytes, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}:${this.current.id}:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`;
  }

  open(sealed: string, associatedData: string): string {
    const [version, keyId, payload] = sealed.split(':');
    if (version !== VERSION || keyId === undefined || payload === undefined) throw new SecretBoxError('the value is not sealed');
    const key = this.keys.get(keyId);
    if (!key) throw new SecretBoxError(`the value was sealed with another key (id ${keyId}): set that key as MC_SECRET_KEY or MC_SECRET_KEY_PREVIOUS`);
    const bytes = Buffer.from(payload, 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError('the value does not open: it is too short to be sealed');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.bytes, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('the value does not open: it was altered or belongs to another record');
    }
  }
}
