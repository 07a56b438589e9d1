import { RUN_BYTES } from './runs.ts';

/**
 * Catch-ups started per turn of the event loop. A reconnect storm otherwise runs every client's
 * catch-up back to back and holds live broadcasts until all are written (docs/performance.md).
 */
export const CATCH_UPS_PER_TURN = 8;

/**
 * Catch-up bytes written per turn of the event loop, across all clients: about what a live
 * event may wait behind during a storm (a few ms of copying into sockets).
 */
export const CATCH_UP_BYTES_PER_TURN = 8 * RUN_BYTES;

/**
 * Catch-ups waiting to write beyond which no new one starts. Each started catch-up holds its
 * replay or snapshot until written, and has one run in flight: this bounds what a storm of
 * clients resuming from distinct ids holds at once, and the bytes sent outside the turns' budget
 * (what the kernel did not take at once leaves when the socket drains). 8 rather than 32 kept
 * the Redis storm's first round nearer the others (`npm run bench:replay -- --redis`). A
 * catch-up whose client does not read is not counted while it waits for its socket, so such
 * clients cannot hold up the others.
 */
export const MAX_WRITING_CATCH_UPS = 8;

/**
 * Turns of the event loop for catch-ups (`setImmediate`, so live events read from sockets get
 * theirs in between): first come first served, at most CATCH_UPS_PER_TURN starts and
 * CATCH_UP_BYTES_PER_TURN of writes per turn (or one larger write).
 */
export class CatchUpQueue {
  readonly #starts: (() => void)[] = [];
  readonly #writes: { bytes: number; resolve: () => void }[] = [];
  #scheduled: NodeJS.Immediate | undefined;
  /** What is left of the last turn's bytes: a write that fits, with none waiting, goes at once. */
  #budget = CATCH_UP_BYTES_PER_TURN;

  /** Resolves when the caller's catch-up may start (read its replay or snapshot). */
  turn(): Promise<void> {
    return new Promise((resolve) => {
      this.#starts.push(resolve);
      this.#schedule();
    });
  }

  /**
   * Resolves when the caller may write the next `bytes` of its catch-up: at once when they fit
   * in what is left of the last turn and nobody waits (so a catch-up started in a turn writes its
   * first run in that turn: its head, `retry:` and replay leave in one syscall), else at a turn.
   */
  room(bytes: number): Promise<void> {
    if (this.#writes.length === 0 && bytes <= this.#budget) {
      this.#budget -= bytes;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#writes.push({ bytes, resolve });
      this.#schedule();
    });
  }

  #schedule(): void {
    this.#scheduled ??= setImmediate(() => this.#next());
  }

  #next(): void {
    this.#scheduled = undefined;
    this.#budget = CATCH_UP_BYTES_PER_TURN;
    let served = 0;
    // In order, while they fit; the first always goes, however large, so that nothing starves.
    for (
      let write = this.#writes[0];
      write && (served === 0 || write.bytes <= this.#budget);
      write = this.#writes[0]
    ) {
      this.#writes.shift();
      this.#budget -= write.bytes;
      served++;
      write.resolve();
    }
    // Those served this turn come back for their next run as soon as it has left.
    const room = Math.min(CATCH_UPS_PER_TURN, MAX_WRITING_CATCH_UPS - this.#writes.length - served);
    for (const resolve of this.#starts.splice(0, Math.max(0, room))) resolve();
    if (this.#starts.length > 0 || this.#writes.length > 0) this.#schedule();
  }
}
