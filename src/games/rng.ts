/**
 * Where outcomes come from. The server draws from the operating system's CSPRNG; tests inject a
 * seeded generator so a simulation is repeatable.
 */
export interface Rng {
  /** A uniform integer in [0, n), n a positive integer below 2^32, without modulo bias. */
  int(n: number): number;
  /** A uniform float in [0, 1) with 53 random bits. */
  float(): number;
}

export type Uint32Source = () => number;

/**
 * One of `items`, each as likely as its weight (positive integers): one `rng.int(total)` draw,
 * walked through the items in order. Slot reels and gacha rarities draw this way; the order of
 * the items and of the draws is part of every recorded outcome (FAIRNESS.md), so it never changes.
 */
export function drawWeighted<T>(rng: Rng, items: readonly T[], weightOf: (item: T) => number): T {
  const total = items.reduce((sum, item) => sum + weightOf(item), 0);
  let roll = rng.int(total);
  for (const item of items) {
    const weight = weightOf(item);
    if (roll < weight) return item;
    roll -= weight;
  }
  throw new Error('unreachable: a roll outside the weights');
}

export function rngFrom(next: Uint32Source): Rng {
  return {
    int(n) {
      // Reject the top sliver of the 2^32 range that would favour small results.
      const limit = 2 ** 32 - (2 ** 32 % n);
      let x = next();
      while (x >= limit) x = next();
      return x % n;
    },
    float() {
      const high = next() >>> 5; // 27 bits
      const low = next() >>> 6; // 26 bits
      return (high * 67_108_864 + low) / 9_007_199_254_740_992;
    },
  };
}

/** crypto.getRandomValues, drawn 1 KiB at a time so a play costs no system call. */
export function cryptoRng(): Rng {
  const pool = new Uint32Array(256);
  let index = pool.length;
  return rngFrom(() => {
    if (index === pool.length) {
      crypto.getRandomValues(pool);
      index = 0;
    }
    return pool[index++]!;
  });
}

/** sfc32: fast, well-distributed, and the same sequence for the same seed. For tests only. */
export function seededRng(seed: number): Rng {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed >>> 0;
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 16; i++) next();
  return rngFrom(next);
}
