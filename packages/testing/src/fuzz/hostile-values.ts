/** A small seeded PRNG (mulberry32): a fuzz run is reproduced from its seed. */
export class Random {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

/** Strings that have broken servers: control characters, bad Unicode, injections, sizes, names of prototype members. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\ud83d\ude00',
  '\u202e\u200b\ufeff',
  '\uffff',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  '../../../etc/passwd',
  '%00',
  '%E0%A4%A',
  '{{ 7 | times: 7 }}{% for i in (1..100000000) %}x{% endfor %}',
  '{% include "/etc/passwd" %}',
  '<script>alert(1)</script>',
  "'; DROP TABLE events; --",
  'a\r\nX-Injected: 1',
  'user@example.com\r\nBcc: victim@example.com',
  'a'.repeat(5_000),
  'é'.repeat(70_000),
  'null',
  'true',
  '-1',
  '1e309',
  'NaN',
  '0000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '9999-12-31T23:59:59Z',
  'http://169.254.169.254/latest/meta-data/',
  'file:///etc/passwd',
  '😀'.repeat(40),
];

const HOSTILE_NUMBERS: readonly number[] = [0, -1, 1.5, -0, 2 ** 31, 2 ** 53 + 2, 1e308, -1e308, 5e-324, 123456789012345680000];

/** Any JSON value, hostile more often than not; `depth` bounds how deep it may nest. */
export function hostileValue(random: Random, depth = 3): unknown {
  switch (random.int(depth > 0 ? 9 : 6)) {
    case 0:
    case 1:
      return random.pick(HOSTILE_STRINGS);
    case 2:
      return random.pick(HOSTILE_NUMBERS);
    case 3:
      return random.pick([true, false, null]);
    case 4:
      return deeplyNested(random);
    case 5:
      return { ['__proto__']: { polluted: true }, constructor: { prototype: { polluted: true } } };
    case 6:
      return Array.from({ length: random.int(4) }, () => hostileValue(random, depth - 1));
    default:
      return Object.fromEntries(Array.from({ length: random.int(4) }, () => [random.pick(HOSTILE_STRINGS), hostileValue(random, depth - 1)]));
  }
}

function deeplyNested(random: Random): unknown {
  let value: unknown = 1;
  const levels = random.pick([40, 1_000, 20_000]);
  for (let level = 0; level < levels; level++) value = random.chance(0.5) ? [value] : { a: value };
  return value;
}

/** A valid body with one thing wrong: a field replaced, removed or added, or the whole body replaced. */
export function mutate(random: Random, valid: unknown): unknown {
  if (random.chance(0.15)) return hostileValue(random);
  const copy = structuredClone(valid) as Record<string, unknown>;
  const holder = pickObject(random, copy);
  const keys = Object.keys(holder);
  const key = keys.length > 0 && random.chance(0.8) ? random.pick(keys) : random.pick(HOSTILE_STRINGS);
  if (random.chance(0.15)) delete holder[key];
  else holder[key] = hostileValue(random);
  return copy;
}

/** Some object inside `value` (itself, or one it holds), to mutate deeper than the top level. */
function pickObject(random: Random, value: Record<string, unknown>): Record<string, unknown> {
  let current = value;
  for (;;) {
    const inner = Object.values(current).filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null);
    if (inner.length === 0 || random.chance(0.5)) return current;
    current = random.pick(inner);
  }
}
