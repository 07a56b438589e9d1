/**
 * Catch-ups started per turn of the event loop. A reconnect storm otherwise runs every client's
 * catch-up back to back and holds live broadcasts until all are written (docs/performance.md).
 */
export const CATCH_UPS_PER_TURN = 8;

/**
 * Hands out catch-up turns, first come first served, at most CATCH_UPS_PER_TURN per
 * `setImmediate` turn, so live publishes get their turn between batches.
 */
export class CatchUpQueue {
  readonly #waiting: (() => void)[] = [];
  #drain: NodeJS.Immediate | undefined;

  /** Resolves when the caller's catch-up may run. */
  turn(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#drain ??= setImmediate(() => this.#next());
    });
  }

  #next(): void {
    this.#drain = undefined;
    for (const resolve of this.#waiting.splice(0, CATCH_UPS_PER_TURN)) resolve();
    // The next batch after pending I/O (live publishes) has had its turn.
    if (this.#waiting.length > 0) this.#drain = setImmediate(() => this.#next());
  }
}
