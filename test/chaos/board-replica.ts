import { type Flight, FlightEvent } from '../../protocol/protocol.ts';

/**
 * The server's event ids in the order it issued them, as recorded by a store subscriber.
 * Ids are opaque (decimal in memory, stream ids in Redis), so "the next event" is looked up here.
 */
export class EventOrder {
  readonly ids: string[] = [];
  readonly #index = new Map<string, number>();

  record(id: string): void {
    if (this.#index.has(id)) return; // several subscribers (instances) may report the same event
    this.#index.set(id, this.ids.length);
    this.ids.push(id);
  }

  /** Position of `id` in the history; -1 for the head before any event (`0`) or an unknown id. */
  indexOf(id: string): number {
    return this.#index.get(id) ?? -1;
  }

  get head(): string | undefined {
    return this.ids.at(-1);
  }
}

/** One received SSE event. */
export interface ReceivedEvent {
  id: string;
  event: string;
  data: string;
}

/**
 * What one chaos client knows: its board, the last id it received, and every breach of
 * exactly-once delivery it saw. A client that resumes with an id either gets a snapshot (it
 * resyncs) or exactly the events after that id, each once and in the server's order.
 */
export class BoardReplica {
  readonly flights = new Map<string, Flight>();
  lastEventId: string | undefined;
  /** Set once `closedConnection` arrived, with its id. */
  closedAt: string | undefined;
  readonly violations: string[] = [];
  readonly stats = { connections: 0, events: 0, snapshots: 0, resumedInside: 0, resyncs: 0 };
  /** The id sent when the current connection opened, until its first event arrives. */
  #resumeFrom: string | undefined;
  #awaitingFirst = false;

  constructor(
    readonly name: string,
    readonly order: EventOrder,
  ) {}

  /** A connection opened sending `lastEventId` (undefined: a fresh start). */
  connected(lastEventId: string | undefined): void {
    this.stats.connections++;
    this.#resumeFrom = lastEventId;
    this.#awaitingFirst = true;
    if (lastEventId !== undefined && lastEventId !== this.lastEventId) {
      this.#violation(`resumed from ${lastEventId} but its last event was ${this.lastEventId}`);
    }
  }

  receive({ id, event, data }: ReceivedEvent): void {
    this.stats.events++;
    const first = this.#awaitingFirst;
    this.#awaitingFirst = false;
    if (event === FlightEvent.snapshot) {
      this.stats.snapshots++;
      if (first && this.#resumeFrom !== undefined) this.stats.resyncs++;
      if (!first) this.#violation(`a snapshot (${id}) in the middle of a stream`);
      const known = this.lastEventId === undefined ? -1 : this.order.indexOf(this.lastEventId);
      if (id !== '0' && this.order.indexOf(id) < known) {
        this.#violation(`snapshot ${id} is older than the last event seen (${this.lastEventId})`);
      }
      this.flights.clear();
      for (const flight of (JSON.parse(data) as { flights: Flight[] }).flights) {
        this.flights.set(flight.flight, flight);
      }
      this.lastEventId = id;
      return;
    }
    if (event === FlightEvent.closed) {
      this.closedAt = id;
      return;
    }
    if (first) this.stats.resumedInside++;
    this.#checkNext(id);
    this.lastEventId = id;
    this.#apply(event, data);
  }

  /** The board, sorted by flight, for comparison with `GET /flights`. */
  board(): Flight[] {
    return [...this.flights.values()].sort((a, b) => a.flight.localeCompare(b.flight));
  }

  #checkNext(id: string): void {
    const at = this.order.indexOf(id);
    if (at === -1) {
      this.#violation(`event ${id} is not an id the server issued`);
      return;
    }
    const expected = this.lastEventId === undefined ? 0 : this.order.indexOf(this.lastEventId) + 1;
    if (at === expected) return;
    const kind = at < expected ? 'duplicate' : `gap of ${at - expected}`;
    this.#violation(`${kind}: after ${this.lastEventId} expected ${this.order.ids[expected]}, got ${id}`);
  }

  #apply(event: string, data: string): void {
    const payload = JSON.parse(data) as Flight;
    switch (event) {
      case FlightEvent.added:
        if (this.flights.has(payload.flight))
          this.#violation(`flightAdded for ${payload.flight}, already on`);
        this.flights.set(payload.flight, payload);
        return;
      case FlightEvent.stateUpdate:
      case FlightEvent.message: {
        const current = this.flights.get(payload.flight);
        if (!current) this.#violation(`update for ${payload.flight}, not on the board`);
        else this.flights.set(payload.flight, { ...current, ...payload });
        return;
      }
      case FlightEvent.removal:
        if (!this.flights.delete(payload.flight)) this.#violation(`removal of ${payload.flight}, not on`);
        return;
      default:
        this.#violation(`unexpected event name ${JSON.stringify(event)}`);
    }
  }

  #violation(message: string): void {
    if (this.violations.length < 20) this.violations.push(`${this.name}: ${message}`);
  }
}

/** A board as `GET /flights` answers it, sorted by flight, for comparison. */
export function sortedBoard(flights: readonly Flight[]): Flight[] {
  return [...flights].sort((a, b) => a.flight.localeCompare(b.flight));
}
