/**
 * A fixed-capacity ring of items addressed by a monotonically increasing sequence number.
 * Appending is O(1); reading everything after a sequence number costs O(items read), never
 * O(capacity), which keeps replay cheap however large the retained history is.
 */
export class RingBuffer<T> {
  readonly #items: (T | undefined)[];
  #head = 0; // sequence number of the newest item; 0 before the first append

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    }
    this.#items = new Array<T | undefined>(capacity);
  }

  /** Sequence number of the newest item (0 when empty). */
  get head(): number {
    return this.#head;
  }

  /** Sequence number of the oldest item still held (head + 1 when empty). */
  get oldest(): number {
    return Math.max(1, this.#head - this.capacity + 1);
  }

  /** Appends an item and returns its sequence number. */
  push(item: T): number {
    this.#head += 1;
    this.#items[this.#head % this.capacity] = item;
    return this.#head;
  }

  /**
   * The items after sequence number `seq`, oldest first; `undefined` when `seq` is ahead of
   * the head or so old that items after it were already overwritten.
   */
  after(seq: number): T[] | undefined {
    if (!Number.isSafeInteger(seq) || seq > this.#head || seq < this.oldest - 1) return undefined;
    const out: T[] = [];
    for (let n = seq + 1; n <= this.#head; n++) out.push(this.#items[n % this.capacity] as T);
    return out;
  }
}
