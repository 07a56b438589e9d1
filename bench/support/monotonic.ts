/**
 * Microseconds on CLOCK_MONOTONIC: the same clock in every process on this machine, so a
 * timestamp written by the publisher can be subtracted from one read by a client process.
 */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
