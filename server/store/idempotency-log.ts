import { IDEMPOTENCY_TTL_MS, StoreError } from './flight-store.ts';

/** What a write did, as recorded under its idempotency key. */
export type RecordedOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; code: 'exists' | 'not-found'; message: string };

interface Entry {
  /** What the key was first used for (`add I768`): another write with the key is refused. */
  write: string;
  outcome: RecordedOutcome<unknown>;
  expiresAt: number;
}

/**
 * The in-memory store's record of writes by `Idempotency-Key`, kept IDEMPOTENCY_TTL_MS and at
 * most `capacity` keys (the oldest go first), so any number of keys costs bounded memory.
 */
export class IdempotencyLog {
  readonly #entries = new Map<string, Entry>();

  constructor(
    readonly capacity = 100_000,
    readonly now: () => number = Date.now,
  ) {}

  /**
   * The outcome recorded for `key` (replayed: the value again, or the same StoreError), or
   * `apply()`'s, recorded. Without a key, just `apply()`.
   */
  async once<T>(key: string | undefined, write: string, apply: () => Promise<T>): Promise<T> {
    if (key === undefined) return apply();
    this.#expire();
    const entry = this.#entries.get(key);
    if (entry !== undefined) {
      if (entry.write !== write) throw keyReused(key, entry.write, write);
      return replay(entry.outcome as RecordedOutcome<T>);
    }
    let outcome: RecordedOutcome<T>;
    try {
      outcome = { ok: true, value: await apply() };
    } catch (error) {
      if (!(error instanceof StoreError) || (error.code !== 'exists' && error.code !== 'not-found'))
        throw error;
      outcome = { ok: false, code: error.code, message: error.message };
    }
    if (this.#entries.size >= this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { write, outcome, expiresAt: this.now() + IDEMPOTENCY_TTL_MS });
    return replay(outcome);
  }

  /** Drops expired entries from the front (they were added in time order). */
  #expire(): void {
    const now = this.now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now) return;
      this.#entries.delete(key);
    }
  }
}

/** The value, or the StoreError, an outcome stands for. */
export function replay<T>(outcome: RecordedOutcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw new StoreError(outcome.code, outcome.message);
}

/** The error for a key first used for another write. */
export function keyReused(key: string, first: string, now: string): StoreError {
  return new StoreError(
    'key-reused',
    `Idempotency-Key ${key} was first used for "${first}", not "${now}": use a new key for each write`,
  );
}
