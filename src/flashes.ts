import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Which state cells flash: a cell whose state changed is highlighted for `duration` ms, at most
 * `max` at once. In a burst one more flash tells the eye nothing.
 *
 * The highlight is a class that is set and, a timer later, removed; it is not a CSS animation.
 * While any animation runs, the browser recalculates style and commits on every frame: at 500
 * updates/s that was a fifth of the board's main-thread time (npm run bench:element).
 */
export class Flashes implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  readonly #duration: number;
  readonly #max: number;
  /** Flights whose state changed since the last render. */
  readonly #pending = new Set<string>();
  /** Flashing flights and when each flash ends, soonest first (all last equally long). */
  readonly #until = new Map<string, number>();
  #now = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(host: ReactiveControllerHost, duration: number, max: number) {
    this.#host = host;
    this.#duration = duration;
    this.#max = max;
    host.addController(this);
  }

  /** A flight's state changed: its cell flashes when its row is next rendered, if there is room. */
  add(flight: string): void {
    this.#pending.add(flight);
  }

  /** Whether `flight`'s cell is highlighted in this render; starts its flash if one is pending. */
  has(flight: string): boolean {
    if (this.#pending.has(flight) && (this.#until.has(flight) || this.#until.size < this.#max)) {
      this.#until.delete(flight); // re-inserted last: the map stays in order of ending
      this.#until.set(flight, this.#now + this.#duration);
    }
    return this.#until.has(flight);
  }

  hostUpdate(): void {
    this.#now = performance.now();
    for (const [flight, end] of this.#until) {
      if (end > this.#now) break;
      this.#until.delete(flight);
    }
  }

  hostUpdated(): void {
    // Flights not rendered in this update (off screen in a windowed board) do not flash later.
    this.#pending.clear();
    const [soonest] = this.#until.values();
    if (soonest === undefined || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#host.requestUpdate();
    }, soonest - performance.now());
  }

  hostDisconnected(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
