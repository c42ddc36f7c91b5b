import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Per-message envelope senders (VERP) on the bounce domain: `b-<delivery log id>-<tag>@<domain>`,
 * the tag an HMAC of the id under MC_BOUNCE_SECRET. A bounce names the delivery it is about by
 * the address it is sent to, which only this instance can make: nothing in its content has to be
 * trusted to find the delivery, and a forged address is told apart without a lookup.
 */
export interface BounceAddressing {
  domain: string;
  secret: string;
}

const TAG_LENGTH = 16;
const LOCAL_PART = /^b-([0-9a-f]{32})-([0-9a-f]{16})$/;

function tagOf(id: string, secret: string): string {
  return createHmac('sha256', secret).update(id).digest('hex').slice(0, TAG_LENGTH);
}

/** The envelope sender of delivery `deliveryLogId`. */
export function bounceAddress(deliveryLogId: string, addressing: BounceAddressing): string {
  const id = deliveryLogId.replaceAll('-', '').toLowerCase();
  return `b-${id}-${tagOf(id, addressing.secret)}@${addressing.domain}`;
}

/** The delivery log id an address on the bounce domain names, or undefined (another address, a forged tag). */
export function deliveryOfBounceAddress(address: string, addressing: BounceAddressing): string | undefined {
  const at = address.lastIndexOf('@');
  if (at < 0 || address.slice(at + 1).toLowerCase() !== addressing.domain.toLowerCase()) return undefined;
  const match = LOCAL_PART.exec(address.slice(0, at).toLowerCase());
  if (!match) return undefined;
  const [, id = '', tag = ''] = match;
  if (!timingSafeEqual(Buffer.from(tag), Buffer.from(tagOf(id, addressing.secret)))) return undefined;
  return `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
}
