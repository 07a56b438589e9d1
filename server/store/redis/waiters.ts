import { compareStreamIds } from '../event-id.ts';

interface Waiter {
  id: string;
  resolve: () => void;
  timer: NodeJS.Timeout;
}

/**
 * Callers waiting for a position (a stream id) to be reached: the reader's position in the
 * events stream (a read waits until the live events up to what it read were delivered) or in
 * the control stream (`setClosed` waits until this instance applied its change). Each wait is
 * bounded: past `timeoutMs` it fails with the error its caller describes.
 */
export class PositionWaiters {
  #waiters: Waiter[] = [];
  #position: string;

  constructor(
    start: string,
    readonly timeoutMs: number,
  ) {
    this.#position = start;
  }

  /** The position reached so far. */
  get position(): string {
    return this.#position;
  }

  /** Settles once the position reaches `id` (at once if it has); rejects with `timedOut()` after `timeoutMs`. */
  reach(id: string, timedOut: () => Error): Promise<void> {
    if (compareStreamIds(id, this.#position) <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        id,
        resolve,
        timer: setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(timedOut());
        }, this.timeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  /** Moves the position to `id` and releases every waiter it reaches. */
  advance(id: string): void {
    this.#position = id;
    if (this.#waiters.length === 0) return;
    this.#waiters = this.#waiters.filter((waiter) => {
      if (compareStreamIds(waiter.id, id) > 0) return true;
      clearTimeout(waiter.timer);
      waiter.resolve();
      return false;
    });
  }

  /** Moves the position to `id` and releases every waiter, reached or not (a lost history, a close). */
  releaseAll(id = this.#position): void {
    this.#position = id;
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve();
    }
  }
}
