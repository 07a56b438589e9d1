/**
 * A small seeded PRNG (mulberry32): the same seed gives the same chaos, so a failure reproduces
 * with `CHAOS_SEED=<seed>`. Timing still varies between runs; the seed fixes every choice.
 */
export class SeededRandom {
  #state: number;

  constructor(readonly seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }

  /** A new generator derived from this one (one per client, so clients do not share a sequence). */
  fork(): SeededRandom {
    return new SeededRandom(Math.floor(this.next() * 2 ** 32));
  }
}

/** The seed of a chaos run: `CHAOS_SEED` when set, otherwise the test's fixed default (deterministic CI). */
export function chaosSeed(defaultSeed: number): number {
  const raw = process.env.CHAOS_SEED;
  if (raw === undefined || raw === '') return defaultSeed;
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new Error(`CHAOS_SEED=${raw} is not a non-negative integer`);
  return seed;
}

/** Runs `body`, and on failure prefixes the error with the seed that reproduces it. */
export async function withSeed<T>(seed: number, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const wrapped = new Error(`[chaos seed ${seed}: rerun with CHAOS_SEED=${seed}] ${message}`);
    if (error instanceof Error && error.stack) wrapped.stack = `${wrapped.message}\n${error.stack}`;
    throw wrapped;
  }
}
