import { types } from 'node:util';

/** `instanceof Error` fails for errors made in another realm (a vm context, jest); this does not. */
export function isError(thrown: unknown): thrown is Error {
  return thrown instanceof Error || types.isNativeError(thrown);
}

/** Whatever was thrown, as an `Error`: used at every `catch`. */
export function coerceError(thrown: unknown): Error {
  if (isError(thrown)) return thrown;
  if (typeof thrown === 'string') return new Error(thrown);
  try {
    return new Error(JSON.stringify(thrown));
  } catch {
    return new Error(String(thrown));
  }
}
