import { z } from 'zod';
import { DAY } from '@mc/domain';

/** How long the first answer to an `Idempotency-Key` is replayed. */
export const IDEMPOTENCY_KEEP_MS = DAY;

/**
 * An `Idempotency-Key` header (IETF httpapi draft): a Structured Field string (`"…"`), or the
 * same characters bare as most clients send them; 1–255 printable ASCII characters.
 */
export const idempotencyKeySchema = z
  .string()
  .transform((value) => (/^".*"$/.test(value) ? value.slice(1, -1).replace(/\\(["\\])/g, '$1') : value))
  .pipe(
    z
      .string()
      .min(1, 'must not be empty')
      .max(255, 'must be at most 255 characters')
      .regex(/^[\x20-\x7e]+$/, 'must be printable ASCII'),
  );
