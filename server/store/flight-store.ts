import type { Flight, FlightUpdate, StreamEvent } from '../../protocol/protocol.ts';

/** The board as one consistent read: its flights and the id of the newest event applied. */
export interface BoardState {
  lastEventId: string;
  flights: Flight[];
}

/**
 * Why a write was refused; the HTTP layer maps each code to a status. `unavailable`: the store
 * could not be reached and the write certainly did not happen. `outcome-unknown`: the store did
 * not answer in time and the write may still apply (retry with the same idempotency key to find
 * out). `key-reused`: the idempotency key was first used for another write.
 */
export type StoreErrorCode = 'exists' | 'not-found' | 'unavailable' | 'outcome-unknown' | 'key-reused';

/** How long a write's outcome is kept under its idempotency key (DESIGN.md: 24 h). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** Per-write options. */
export interface WriteOptions {
  /**
   * The request's `Idempotency-Key`: when a write with this key was already made (within
   * IDEMPOTENCY_TTL_MS; in Redis, by any instance), nothing changes and nothing is emitted, and
   * the call answers as the first one did (the same event, or the same StoreError).
   */
  idempotencyKey?: string;
}

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/** What `update` appended, and the whole flight after it. */
export interface UpdatedFlight {
  event: StreamEvent;
  flight: Flight;
}

/**
 * Where the board and its event history live. The stream code talks only to this
 * interface, so it does not know whether it runs in memory or over Redis.
 *
 * Every write applies the change and appends its event atomically, then notifies
 * subscribers in id order. Every member is required: a store without a shared closed state
 * or a history that can break implements the trivial version, so callers have one path.
 */
export interface FlightStore {
  /** The current board and the head event id (before any event: `<epoch>-0` in memory, `0-0` in Redis). */
  state(): Promise<BoardState>;
  /**
   * The events after `lastEventId`, oldest first; `undefined` when that id is malformed,
   * unknown or older than the retained history (the caller then sends a snapshot).
   */
  eventsAfter(lastEventId: string): Promise<StreamEvent[] | undefined>;
  /** True when event id `a` comes after `b` in this store's order. */
  isAfter(a: string, b: string): boolean;
  add(flight: Flight, options?: WriteOptions): Promise<StreamEvent>;
  /** Applies `update`; returns its event and the flight as it now is (no need to read the board). */
  update(update: FlightUpdate, options?: WriteOptions): Promise<UpdatedFlight>;
  remove(flight: string, options?: WriteOptions): Promise<StreamEvent>;
  /** Calls `listener` with every event appended from now on; returns the unsubscribe. */
  subscribe(listener: (event: StreamEvent) => void): () => void;
  /**
   * Calls `listener` when the history no longer continues from the events already delivered
   * (e.g. Redis restarted without persistence; never in memory). Open streams should then be
   * ended so their clients reconnect and resync through a snapshot. Returns the unsubscribe.
   */
  onResync(listener: () => void): () => void;
  /**
   * Records the board's closed state (`POST /close` … `POST /open`) where every instance over
   * this store sees it, so they close and reopen together. Settles once this instance's own
   * `onClosedChange` listeners have applied it; fails with `StoreError('unavailable')`,
   * changing nothing, when the store cannot be reached. Asking for the state in force changes nothing.
   */
  setClosed(closed: boolean): Promise<void>;
  /**
   * Calls `listener` once per change of the closed state, on every instance, the one that made
   * the change included; `headId` is the newest event this instance delivered before the change
   * (the id a `closedConnection` carries). Returns the unsubscribe.
   */
  onClosedChange(listener: (closed: boolean, headId: string) => void): () => void;
  /** The closed state as this instance last applied it (read at connect, then kept current). */
  isClosed(): boolean;
  close(): Promise<void>;
}
