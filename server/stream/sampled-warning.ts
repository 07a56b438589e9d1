import type { Logger } from 'pino';

/** How often a repeated warning may be logged at most (ms). */
export const WARNING_INTERVAL_MS = 10_000;

/**
 * A warning that happens per request (a refused stream) logged at most once per interval, with
 * how many times it happened meanwhile: a client hammering a full server cannot flood the log.
 */
export class SampledWarning {
  #lastLoggedAt = Number.NEGATIVE_INFINITY;
  #suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly message: string,
    private readonly now: () => number = Date.now,
    private readonly intervalMs = WARNING_INTERVAL_MS,
  ) {}

  /** Counts one occurrence; logs it (with the count since the last line) when the interval has passed. */
  warn(fields: Record<string, unknown>): void {
    const now = this.now();
    if (now - this.#lastLoggedAt < this.intervalMs) {
      this.#suppressed++;
      return;
    }
    const since = this.#suppressed;
    this.#lastLoggedAt = now;
    this.#suppressed = 0;
    this.logger.warn({ ...fields, ...(since > 0 ? { alsoRefusedSinceLastLine: since } : {}) }, this.message);
  }
}
