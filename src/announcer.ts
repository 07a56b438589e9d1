import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Feeds an `aria-live="polite"` region, rate-limited: the first message after a quiet spell is
 * spoken at once; whatever arrives in the next `interval` ms is folded into one sentence, so a
 * burst of updates does not flood a screen reader.
 */
export class Announcer implements ReactiveController {
  /** What the live region says now. */
  text = '';
  /** The shortest time between two announcements (ms). Default: 2000. */
  interval = 2000;
  #count = 0;
  #latest = '';
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #host: ReactiveControllerHost;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  /** Queues a message; empty messages are ignored. */
  say(message: string): void {
    if (!message) return;
    this.#count++;
    this.#latest = message;
    if (!this.#timer) this.#flush();
  }

  hostDisconnected(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#count = 0;
  }

  #flush = (): void => {
    this.#timer = undefined;
    if (!this.#count) return;
    this.text = this.#count === 1 ? this.#latest : `${this.#count} changes. Latest: ${this.#latest}`;
    this.#count = 0;
    this.#host.requestUpdate();
    this.#timer = setTimeout(this.#flush, this.interval);
  };
}
