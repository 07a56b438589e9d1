/** Exponential backoff from 100 ms, capped, with up to 20 % jitter so instances do not reconnect in step. */
export function backoff(attempt: number, maxMs: number): number {
  const delay = Math.min(100 * 2 ** Math.min(attempt - 1, 10), maxMs);
  return Math.round(delay * (1 + Math.random() * 0.2));
}
