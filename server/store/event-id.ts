/**
 * Event ids, `<a>-<b>`: two unsigned 64-bit integers, ordered by `a` then `b`. In Redis mode
 * they are the stream ids (`<ms>-<seq>`); in memory mode `<epoch>-<n>`, the instance's start
 * time then a counter, so an id never names an event of another run (DESIGN.md).
 *
 * @see https://redis.io/docs/latest/develop/data-types/streams/#entry-ids
 */

/** The id before every entry: the head of a stream that has no event yet. */
export const ZERO_ID = '0-0';

/** The only shape a Last-Event-ID may have: the digits of an id the server issued. */
const STREAM_ID = /^(\d{1,20})-(\d{1,20})$/;
const UINT64_MAX = 2n ** 64n - 1n;

/** A stream id as two numbers, or `undefined` when `id` is not exactly one (no sign, no spaces, ≤ 2^64−1 each). */
export function parseStreamId(id: string): [ms: bigint, seq: bigint] | undefined {
  const match = STREAM_ID.exec(id);
  if (!match) return undefined;
  const ms = BigInt(match[1] as string);
  const seq = BigInt(match[2] as string);
  return ms <= UINT64_MAX && seq <= UINT64_MAX ? [ms, seq] : undefined;
}

/** True when `id` is a stream id Redis would accept. */
export function isStreamId(id: string): boolean {
  return parseStreamId(id) !== undefined;
}

/**
 * Orders two stream ids: negative when `a` comes first, 0 when equal, positive after.
 * `"0"` (the in-memory head before any event) counts as `0-0`; anything else that is not a
 * stream id sorts before every id, so it never counts as "after".
 */
export function compareStreamIds(a: string, b: string): number {
  const pa = parseStreamId(a === '0' ? ZERO_ID : a);
  const pb = parseStreamId(b === '0' ? ZERO_ID : b);
  if (!pa || !pb) return pa ? 1 : pb ? -1 : 0;
  if (pa[0] !== pb[0]) return pa[0] < pb[0] ? -1 : 1;
  if (pa[1] !== pb[1]) return pa[1] < pb[1] ? -1 : 1;
  return 0;
}
