import {
  type Flight,
  FlightEvent,
  type FlightUpdate,
  flightEvent,
  type StreamEvent,
} from '../../protocol/protocol.ts';
import { type BoardState, type FlightStore, StoreError, type UpdatedFlight } from './flight-store.ts';
import { RingBuffer } from './ring-buffer.ts';

/** Ids the in-memory store issues are decimal integers; anything else is malformed. */
const DECIMAL_ID = /^(0|[1-9][0-9]{0,15})$/;

/** The embedded store: one process, the board in a Map and the history in a bounded ring. */
export class MemoryStore implements FlightStore {
  readonly #flights = new Map<string, Flight>();
  readonly #history: RingBuffer<StreamEvent>;
  readonly #listeners = new Set<(event: StreamEvent) => void>();

  constructor(historySize: number) {
    this.#history = new RingBuffer(historySize);
  }

  async state(): Promise<BoardState> {
    return { lastEventId: String(this.#history.head), flights: [...this.#flights.values()] };
  }

  async eventsAfter(lastEventId: string): Promise<StreamEvent[] | undefined> {
    if (!DECIMAL_ID.test(lastEventId)) return undefined;
    return this.#history.after(Number(lastEventId));
  }

  isAfter(a: string, b: string): boolean {
    return Number(a) > Number(b);
  }

  async add(flight: Flight): Promise<StreamEvent> {
    if (this.#flights.has(flight.flight)) {
      throw new StoreError('exists', `flight ${flight.flight} is already on the board`);
    }
    this.#flights.set(flight.flight, flight);
    return this.#append(FlightEvent.added, flight);
  }

  async update(update: FlightUpdate): Promise<UpdatedFlight> {
    const current = this.#flights.get(update.flight);
    if (!current) throw new StoreError('not-found', `flight ${update.flight} is not on the board`);
    const flight = { ...current, ...update } as Flight;
    this.#flights.set(update.flight, flight);
    return { event: this.#append(FlightEvent.stateUpdate, update), flight };
  }

  async remove(flight: string): Promise<StreamEvent> {
    if (!this.#flights.delete(flight))
      throw new StoreError('not-found', `flight ${flight} is not on the board`);
    return this.#append(FlightEvent.removal, { flight });
  }

  subscribe(listener: (event: StreamEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }

  #append(name: (typeof FlightEvent)[keyof typeof FlightEvent], payload: unknown): StreamEvent {
    const event = flightEvent(String(this.#history.head + 1), name, payload);
    this.#history.push(event);
    for (const listener of this.#listeners) listener(event);
    return event;
  }
}
