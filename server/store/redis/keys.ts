/** The Redis keys of one board; the `{…}` hash tag of the prefix keeps them in one cluster slot. */
export interface RedisKeys {
  /** Sorted set: the flight keys by insertion. */
  board: string;
  /** The insertion counter the board's scores come from. */
  counter: string;
  /** Prefix of the hash per flight (`<prefix>flight:<key>`). */
  flight: string;
  /** The events stream: its entry ids are the events' ids. */
  events: string;
  /** Set while the board is closed (`POST /close` … `POST /open`). */
  closed: string;
  /** The control stream: one entry per change of the closed state. */
  control: string;
  /** Prefix of the recorded outcome per `Idempotency-Key` (`<prefix>idempotency:<key>`). */
  idempotency: string;
}

/** The default prefix: one board per Redis database. */
export const DEFAULT_KEY_PREFIX = '{flight-board}:';

export function redisKeys(prefix = DEFAULT_KEY_PREFIX): RedisKeys {
  return {
    board: `${prefix}board`,
    counter: `${prefix}board-seq`,
    flight: `${prefix}flight:`,
    events: `${prefix}events`,
    closed: `${prefix}closed`,
    control: `${prefix}control`,
    idempotency: `${prefix}idempotency:`,
  };
}
