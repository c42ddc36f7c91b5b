import { z } from 'zod';

/**
 * What PostgreSQL can store, checked at the edge so that client input is a 400 naming its field
 * rather than a 500 from the database: no U+0000 (refused in `text` and `jsonb`), no unpaired
 * surrogate (it has no UTF-8 form: the driver would store U+FFFD and the value would not match
 * itself when looked up again), dates within the years 1–9999, and JSON no deeper than a limit
 * (checked without recursion, before anything serializes it).
 */
export const NOT_STORABLE_TEXT = 'must not contain NUL characters or unpaired surrogates';

export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

/** A string PostgreSQL stores as it is; chain `.min()`, `.max()`, `.regex()` as usual. */
export function text(): z.ZodString {
  return z.string().refine(isStorableText, NOT_STORABLE_TEXT);
}

/** The range of dates both PostgreSQL and ISO-8601's four-digit years hold. */
const EARLIEST = Date.parse('0001-01-01T00:00:00Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

export function isStorableDate(date: Date): boolean {
  return date.getTime() >= EARLIEST && date.getTime() <= LATEST;
}

/** An ISO-8601 date-time with a zone, as a `Date` between the years 1 and 9999 (UTC). */
export function dateTime() {
  return z.iso
    .datetime({ offset: true, message: 'must be an ISO-8601 date-time with a time zone, e.g. 2026-12-01T09:00:00Z' })
    .transform((value) => new Date(value))
    .refine(isStorableDate, 'must be between the years 0001 and 9999');
}

/**
 * Why a JSON value cannot be stored as `jsonb`, or undefined when it can: nested deeper than
 * `maxDepth` (objects and arrays), or a key or string that is not storable text. Iterative, so a
 * value nested a million levels deep costs a loop, not a stack overflow.
 */
export function jsonStorageProblem(value: unknown, maxDepth: number): string | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const inner = item.value;
    if (typeof inner === 'string') {
      if (!isStorableText(inner)) return NOT_STORABLE_TEXT;
      continue;
    }
    if (inner === null || typeof inner !== 'object') continue;
    if (item.depth >= maxDepth) return `must not nest deeper than ${maxDepth} levels`;
    if (Array.isArray(inner)) {
      for (const element of inner) stack.push({ value: element, depth: item.depth + 1 });
    } else {
      for (const [key, element] of Object.entries(inner)) {
        if (!isStorableText(key)) return NOT_STORABLE_TEXT;
        stack.push({ value: element, depth: item.depth + 1 });
      }
    }
  }
  return undefined;
}
