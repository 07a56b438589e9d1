import {
  type Flight,
  FlightEvent,
  type FlightUpdate,
  flightEvent,
  type StreamEvent,
} from '../../protocol/protocol.ts';
import { compareStreamIds, parseStreamId } from './event-id.ts';
import {
  type BoardState,
  type FlightStore,
  StoreError,
  type UpdatedFlight,
  type WriteOptions,
} from './flight-store.ts';
import { IdempotencyLog } from './idempotency-log.ts';
import { RingBuffer } from './ring-buffer.ts';

export interface MemoryStoreOptions {
  /**
   * The first half of every id this store issues (`<epoch>-<n>`). Default: the time the store
   * was made, in ms, and always later than the epoch of any store made before it in this
   * process, so no two runs (nor two stores) issue the same id.
   */
  epoch?: number;
}

/** The epoch of the newest store made in this process: the next one starts after it. */
let lastEpoch = 0;

function nextEpoch(): number {
  lastEpoch = Math.max(Date.now(), lastEpoch + 1);
  return lastEpoch;
}

/**
 * The embedded store: one process, the board in a Map and the history in a bounded ring.
 *
 * Ids are `<epoch>-<n>` (the store's start time in ms, then a counter from 1; the head before any
 * event is `<epoch>-0`): after a restart, or on another instance, an id from this run names a
 * history that is gone, and the client gets a snapshot instead of another history's events.
 */
export class MemoryStore implements FlightStore {
  /** The first half of every id this store issues. */
  readonly epoch: number;
  readonly #flights = new Map<string, Flight>();
  readonly #idempotency = new IdempotencyLog();
  readonly #history: RingBuffer<StreamEvent>;
  readonly #listeners = new Set<(event: StreamEvent) => void>();
  readonly #resyncListeners = new Set<() => void>();
  readonly #closedListeners = new Set<(closed: boolean, headId: string) => void>();
  #closed = false;

  constructor(historySize: number, options: MemoryStoreOptions = {}) {
    this.#history = new RingBuffer(historySize);
    if (options.epoch !== undefined) {
      this.epoch = options.epoch;
      lastEpoch = Math.max(lastEpoch, options.epoch);
    } else this.epoch = nextEpoch();
  }

  /** The id of this store's `n`th event (`n = 0`: the head before any event). */
  idOf(n: number): string {
    return `${this.epoch}-${n}`;
  }

  async state(): Promise<BoardState> {
    return { lastEventId: this.idOf(this.#history.head), flights: [...this.#flights.values()] };
  }

  async eventsAfter(lastEventId: string): Promise<StreamEvent[] | undefined> {
    const id = parseStreamId(lastEventId);
    // Another epoch: a history that is gone (a restart, another instance).
    if (id === undefined || id[0] !== BigInt(this.epoch) || id[1] > BigInt(Number.MAX_SAFE_INTEGER)) {
      return undefined;
    }
    const n = Number(id[1]);
    // Only an id exactly as issued (`<epoch>-05` never was) names an event.
    if (lastEventId !== this.idOf(n)) return undefined;
    return this.#history.after(n);
  }

  isAfter(a: string, b: string): boolean {
    return compareStreamIds(a, b) > 0;
  }

  add(flight: Flight, options: WriteOptions = {}): Promise<StreamEvent> {
    return this.#idempotency.once(options.idempotencyKey, `add ${flight.flight}`, async () =>
      this.#add(flight),
    );
  }

  update(update: FlightUpdate, options: WriteOptions = {}): Promise<UpdatedFlight> {
    return this.#idempotency.once(options.idempotencyKey, `update ${update.flight}`, async () =>
      this.#update(update),
    );
  }

  remove(flight: string, options: WriteOptions = {}): Promise<StreamEvent> {
    return this.#idempotency.once(options.idempotencyKey, `remove ${flight}`, async () =>
      this.#remove(flight),
    );
  }

  #add(flight: Flight): StreamEvent {
    if (this.#flights.has(flight.flight)) {
      throw new StoreError('exists', `flight ${flight.flight} is already on the board`);
    }
    this.#flights.set(flight.flight, flight);
    return this.#append(FlightEvent.added, flight);
  }

  #update(update: FlightUpdate): UpdatedFlight {
    const current = this.#flights.get(update.flight);
    if (!current) throw new StoreError('not-found', `flight ${update.flight} is not on the board`);
    const flight = { ...current, ...update } as Flight;
    this.#flights.set(update.flight, flight);
    return { event: this.#append(FlightEvent.stateUpdate, update), flight };
  }

  #remove(flight: string): StreamEvent {
    if (!this.#flights.delete(flight))
      throw new StoreError('not-found', `flight ${flight} is not on the board`);
    return this.#append(FlightEvent.removal, { flight });
  }

  subscribe(listener: (event: StreamEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** This history never breaks while the process runs: the listener is kept, and never called. */
  onResync(listener: () => void): () => void {
    this.#resyncListeners.add(listener);
    return () => this.#resyncListeners.delete(listener);
  }

  /** Closes or reopens the board; this process is the only instance, so it settles at once. */
  async setClosed(closed: boolean): Promise<void> {
    if (closed === this.#closed) return;
    this.#closed = closed;
    const headId = this.idOf(this.#history.head);
    for (const listener of this.#closedListeners) listener(closed, headId);
  }

  onClosedChange(listener: (closed: boolean, headId: string) => void): () => void {
    this.#closedListeners.add(listener);
    return () => this.#closedListeners.delete(listener);
  }

  isClosed(): boolean {
    return this.#closed;
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    this.#resyncListeners.clear();
    this.#closedListeners.clear();
  }

  #append(name: (typeof FlightEvent)[keyof typeof FlightEvent], payload: unknown): StreamEvent {
    const event = flightEvent(this.idOf(this.#history.head + 1), name, payload);
    this.#history.push(event);
    for (const listener of this.#listeners) listener(event);
    return event;
  }
}
