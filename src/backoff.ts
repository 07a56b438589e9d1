/**
 * The delay before retry number `attempt` (0 for the first): exponential from `base` ms,
 * capped at `max` ms, with "equal jitter" — somewhere between half and all of that — so that
 * many boards cut off by the same outage do not all come back in the same millisecond.
 *
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoffDelay(attempt: number, base: number, max: number, random = Math.random): number {
  const ceiling = Math.min(max, base * 2 ** attempt);
  return ceiling / 2 + (random() * ceiling) / 2;
}
