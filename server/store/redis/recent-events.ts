import type { StreamEvent } from '../../../protocol/protocol.ts';
import { compareStreamIds } from '../event-id.ts';

/**
 * Events an instance keeps in memory at most (twice this before a trim), whatever HISTORY_SIZE:
 * a replay from further back reads Redis, which holds the whole history.
 */
export const MAX_RECENT_EVENTS = 50_000;

/**
 * The newest events this instance's reader delivered (at least `capacity` of them), so a replay
 * from an id among them is served from memory, like in memory mode: no Redis read, and the same
 * event objects every replay shares (the hub serialises each once). Only a client further
 * behind than this instance has seen reads Redis.
 */
export class RecentEvents {
  #events: StreamEvent[] = [];
  /** The id just before `#events[0]`: a client there is owed all of them. */
  #base: string;

  constructor(
    readonly capacity: number,
    base: string,
  ) {
    this.#base = base;
  }

  /** Appends the event the reader just delivered (ids increase). */
  push(event: StreamEvent): void {
    this.#events.push(event);
    // Trimmed in bulk, so each push costs O(1) amortised.
    if (this.#events.length >= 2 * this.capacity) {
      const dropped = this.#events.length - this.capacity;
      this.#base = (this.#events[dropped - 1] as StreamEvent).id;
      this.#events = this.#events.slice(dropped);
    }
  }

  /**
   * The events after `id` when `id` is the base or one of the events held (a binary search:
   * O(log n + events returned)); `undefined` otherwise (older, or never delivered here).
   */
  after(id: string): StreamEvent[] | undefined {
    if (id === this.#base) return this.#events.slice();
    let low = 0;
    let high = this.#events.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const order = compareStreamIds((this.#events[mid] as StreamEvent).id, id);
      if (order === 0) return this.#events.slice(mid + 1);
      if (order < 0) low = mid + 1;
      else high = mid - 1;
    }
    return undefined;
  }

  /** Forgets everything: the stream no longer continues (Redis came back empty); `base` is its new head. */
  reset(base: string): void {
    this.#events = [];
    this.#base = base;
  }
}
