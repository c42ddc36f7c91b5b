import { dateTime, isStorableText, jsonStorageProblem, text } from '../src';

describe('what PostgreSQL can store', () => {
  it('refuses NUL and unpaired surrogates, keeps paired ones and U+FFFD', () => {
    expect(isStorableText('plain 😀 \ufffd')).toBe(true);
    expect(isStorableText('a\u0000b')).toBe(false);
    expect(isStorableText('\ud83d')).toBe(false);
    expect(isStorableText('x\ude00')).toBe(false);
    expect(text().min(2).safeParse('a\u0000').success).toBe(false);
  });

  it('checks JSON depth without recursion, and every key and string inside', () => {
    let deep: unknown = 1;
    for (let level = 0; level < 1_000_000; level++) deep = [deep];
    expect(jsonStorageProblem(deep, 32)).toMatch(/deeper than 32/);
    expect(jsonStorageProblem({ a: { b: [{ c: 'fine' }] } }, 32)).toBeUndefined();
    expect(jsonStorageProblem({ a: [{ ['k\u0000']: 1 }] }, 32)).toMatch(/NUL/);
    expect(jsonStorageProblem({ a: ['\udc00'] }, 32)).toMatch(/surrogates/);
    expect(jsonStorageProblem({ a: { b: 1 } }, 1)).toMatch(/deeper than 1/);
    expect(jsonStorageProblem({ a: 1 }, 1)).toBeUndefined();
  });

  it('takes dates of the years 0001–9999 (UTC) only', () => {
    expect(dateTime().safeParse('0001-01-01T00:00:00Z').success).toBe(true);
    expect(dateTime().safeParse('9999-12-31T23:59:59.999Z').success).toBe(true);
    expect(dateTime().safeParse('0000-12-31T23:59:59Z').success).toBe(false);
    expect(dateTime().safeParse('0001-01-01T00:30:00+01:00').success).toBe(false);
    expect(dateTime().safeParse('9999-12-31T23:00:00-02:00').success).toBe(false);
  });
});
