/**
 * A small, fast, seedable pseudo-random generator (mulberry32) for fuzz tests. The same seed
 * gives the same sequence on every machine, so a failing run can be replayed from its seed.
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick needs a non-empty array');
    return items[Math.floor(this.next() * items.length)];
  }

  /** `length` random bytes. */
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }

  /** A short random string of letters, digits and a few non-ASCII characters. */
  word(maxLength = 8): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789 äé漢🙂';
    const chars = [...alphabet];
    let out = '';
    const length = this.int(1, maxLength);
    for (let i = 0; i < length; i++) out += this.pick(chars);
    return out;
  }

  /** A new generator whose sequence depends on this one's (for independent sub-streams). */
  fork(): SeededRandom {
    return new SeededRandom(Math.floor(this.next() * 4294967296));
  }
}

/**
 * The seed for a fuzz run: `process.env[variable]` when set (to replay a failure), otherwise a
 * fresh random one. Either way the caller prints it.
 */
export function fuzzSeed(variable = 'FUZZ_SEED'): number {
  const fixed = process.env[variable];
  if (fixed !== undefined && fixed !== '') {
    const seed = Number(fixed);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`${variable} must be an integer in [0, 2^32); got "${fixed}"`);
    return seed;
  }
  return Math.floor(Math.random() * 0x100000000);
}
