import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';

/**
 * DKIM signatures (RFC 6376, relaxed/relaxed) on messages as they go on the wire: `rsa-sha256`,
 * or `ed25519-sha256` (RFC 8463) for an Ed25519 key. The message is signed once, after it is
 * composed, so the lean path and nodemailer's full one are signed alike.
 */
export interface DkimKey {
  domain: string;
  selector: string;
  algorithm: 'rsa-sha256' | 'ed25519-sha256';
  privateKey: KeyObject;
}

/** The headers signed when present: what a receiver shows and what says how to read the body. */
const SIGNED_HEADERS = ['from', 'reply-to', 'to', 'subject', 'date', 'message-id', 'mime-version', 'content-type', 'content-transfer-encoding', 'list-unsubscribe', 'list-unsubscribe-post', 'auto-submitted'];

/** A PEM private key (PKCS#1 or PKCS#8, RSA of at least 1024 bits, or Ed25519) as a signing key for `selector._domainkey.domain`. */
export function dkimKey(options: { domain: string; selector: string; privateKeyPem: string }): DkimKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(options.privateKeyPem);
  } catch (thrown) {
    throw new Error(`the DKIM private key cannot be read (${(thrown as Error).message}); give a PEM RSA or Ed25519 key`, { cause: thrown });
  }
  const type = privateKey.asymmetricKeyType;
  if (type === 'ed25519') return { domain: options.domain, selector: options.selector, algorithm: 'ed25519-sha256', privateKey };
  if (type === 'rsa' && (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) >= 1024) {
    return { domain: options.domain, selector: options.selector, algorithm: 'rsa-sha256', privateKey };
  }
  throw new Error(`the DKIM private key is ${type === 'rsa' ? 'an RSA key under 1024 bits' : `a ${String(type)} key`}; give an RSA (2048 bits) or Ed25519 key`);
}

/** Relaxed header canonicalization of one `Name: value` field (possibly folded). */
function relaxedHeader(field: string): string {
  const colon = field.indexOf(':');
  const name = field.slice(0, colon).trim().toLowerCase();
  const value = field.slice(colon + 1).replace(/\r\n(?=[ \t])/g, '').replace(/[ \t]+/g, ' ').trim();
  return `${name}:${value}`;
}

/** Relaxed body canonicalization: runs of whitespace to one space, none at line ends, no empty lines at the end. */
function relaxedBody(body: string): string {
  const lines = body.split('\r\n').map((line) => line.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.length === 0 ? '' : `${lines.join('\r\n')}\r\n`;
}

/** The header fields of a CRLF message, each with its folded continuation lines. */
function headerFields(head: string): string[] {
  const fields: string[] = [];
  for (const line of head.split('\r\n')) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && fields.length > 0) fields[fields.length - 1] += `\r\n${line}`;
    else fields.push(line);
  }
  return fields;
}

/** `raw` (CRLF line endings) with a `DKIM-Signature` header in front. */
export function dkimSign(raw: string, key: DkimKey, now: Date = new Date()): string {
  const split = raw.indexOf('\r\n\r\n');
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split + 4);
  const byName = new Map<string, string>();
  for (const field of headerFields(head)) {
    const name = field.slice(0, field.indexOf(':')).trim().toLowerCase();
    if (!byName.has(name)) byName.set(name, field);
  }
  const signed = SIGNED_HEADERS.filter((name) => byName.has(name));
  const bodyHash = createHash('sha256').update(relaxedBody(body), 'utf8').digest('base64');
  const tags = `v=1; a=${key.algorithm}; c=relaxed/relaxed; d=${key.domain}; s=${key.selector}; t=${Math.floor(now.getTime() / 1000)}; h=${signed.join(':')}; bh=${bodyHash}; b=`;
  const data = `${signed.map((name) => `${relaxedHeader(byName.get(name) as string)}\r\n`).join('')}${relaxedHeader(`DKIM-Signature: ${tags}`)}`;
  const signature =
    key.algorithm === 'rsa-sha256'
      ? sign('sha256', Buffer.from(data, 'utf8'), key.privateKey)
      : sign(null, createHash('sha256').update(data, 'utf8').digest(), key.privateKey);
  // Folded between tags and inside b= (where whitespace is ignored), as the rest of the message at 76 characters.
  const lines = ['DKIM-Signature:'];
  for (const tag of tags.slice(0, -'b='.length).split(' ').filter(Boolean)) {
    if ((lines[lines.length - 1] as string).length + tag.length + 1 > 76) lines.push('');
    lines[lines.length - 1] += ` ${tag}`;
  }
  lines.push(` b=${signature.toString('base64').replace(/(.{70})(?=.)/g, '$1\r\n  ')}`);
  const folded = lines.join('\r\n');
  return `${folded}\r\n${raw}`;
}
