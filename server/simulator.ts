import type { Flight } from '../protocol/protocol.ts';
import type { FlightStore } from './store/flight-store.ts';

/** The seed tutorial's six flights: the board every demo starts from. */
export const SEED_FLIGHTS: readonly Flight[] = [
  { flight: 'A123', origin: 'London', arrival: '08:15', state: 'scheduled' },
  { flight: 'D654', origin: 'Berlin', arrival: '08:45', state: 'scheduled' },
  { flight: 'U213', origin: 'New York', arrival: '09:05', state: 'scheduled' },
  { flight: 'A987', origin: 'Buenos Aires', arrival: '09:30', state: 'scheduled' },
  { flight: 'I768', origin: 'Rome', arrival: '10:10', state: 'scheduled' },
  { flight: 'G119', origin: 'Tokyo', arrival: '10:35', state: 'scheduled' },
];

const ORIGINS = [
  'Amsterdam',
  'Athens',
  'Cairo',
  'Dubai',
  'Dublin',
  'Helsinki',
  'Istanbul',
  'Lisbon',
  'Madrid',
  'Montreal',
  'Mumbai',
  'Nairobi',
  'Oslo',
  'Paris',
  'Prague',
  'Reykjavik',
  'Seoul',
  'Singapore',
  'Stockholm',
  'Sydney',
  'Toronto',
  'Vienna',
  'Warsaw',
  'Zurich',
];
const AIRLINE_LETTERS = 'ABDEGIKLOSU';

/** How a flight's state moves on: the simulator picks among the next states by weight. */
const NEXT_STATES: Record<string, readonly (readonly [string, number])[]> = {
  scheduled: [
    ['on time', 6],
    ['delayed', 3],
    ['cancelled', 1],
  ],
  'on time': [
    ['landing', 8],
    ['delayed', 2],
  ],
  delayed: [
    ['landing', 7],
    ['delayed', 2],
    ['cancelled', 1],
  ],
  landing: [['landed', 1]],
};
/** States after which a flight stays on the board a few ticks, then is removed. */
const FINAL_STATES = new Set(['landed', 'cancelled']);

export interface SimulatorOptions {
  /** Seed for the pseudo-random choices: the same seed gives the same timetable. */
  seed: number;
  /** 1 is real-time demo pace (a change every ~2 s); 10 is ten times faster. */
  speed: number;
  /** Flights the board holds in steady state. */
  boardSize?: number;
}

/** A small deterministic PRNG (mulberry32): seedable, so simulations are reproducible. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TICK_MS = 2000;
const TICKS_BEFORE_REMOVAL = 3;

/**
 * An endless, realistic timetable: flights move through states, land, are removed a while
 * after landing, and new flights arrive later in the day. Every change goes through the
 * store, exactly as a REST write would.
 */
export class Simulator {
  readonly #store: FlightStore;
  readonly #random: () => number;
  readonly #speed: number;
  readonly #boardSize: number;
  /** Flights in a final state, with the ticks left before their removal. */
  readonly #leaving = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #latestArrival = 10 * 60 + 35;

  constructor(store: FlightStore, options: SimulatorOptions) {
    this.#store = store;
    this.#random = createRandom(options.seed);
    this.#speed = options.speed;
    this.#boardSize = options.boardSize ?? SEED_FLIGHTS.length;
  }

  /** Puts the seed flights on the board (skipping any already there) and starts ticking. */
  async start(): Promise<void> {
    const { flights } = await this.#store.state();
    const present = new Set(flights.map((f) => f.flight));
    for (const flight of SEED_FLIGHTS) {
      if (!present.has(flight.flight)) await this.#store.add({ ...flight });
    }
    this.#timer = setInterval(() => void this.tick().catch(() => undefined), TICK_MS / this.#speed);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One step of the timetable: remove due flights, move one flight on, add arrivals. */
  async tick(): Promise<void> {
    const { flights } = await this.#store.state();
    await this.#removeDue(flights);
    const moving = flights.filter((f) => !FINAL_STATES.has(f.state) && NEXT_STATES[f.state]);
    // The next few arrivals move; later ones wait their turn, as on a real board.
    moving.sort((a, b) => a.arrival.localeCompare(b.arrival));
    const next = moving[Math.floor(this.#random() * Math.min(3, moving.length))];
    if (next) await this.#advance(next);
    if (flights.length - this.#leaving.size < this.#boardSize && this.#random() < 0.5) {
      await this.#store.add(this.#newFlight(new Set(flights.map((f) => f.flight))));
    }
  }

  async #removeDue(flights: Flight[]): Promise<void> {
    for (const flight of flights) {
      if (!FINAL_STATES.has(flight.state)) continue;
      const left = this.#leaving.get(flight.flight) ?? TICKS_BEFORE_REMOVAL;
      if (left > 0) {
        this.#leaving.set(flight.flight, left - 1);
        continue;
      }
      this.#leaving.delete(flight.flight);
      await this.#store.remove(flight.flight);
    }
  }

  async #advance(flight: Flight): Promise<void> {
    const choices = NEXT_STATES[flight.state] ?? [];
    const state = this.#pick(choices);
    if (state) await this.#store.update({ flight: flight.flight, state });
  }

  #pick(choices: readonly (readonly [string, number])[]): string | undefined {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.#random() * total;
    for (const [state, weight] of choices) {
      roll -= weight;
      if (roll < 0) return state;
    }
    return choices.at(-1)?.[0];
  }

  #newFlight(taken: Set<string>): Flight {
    let code: string;
    do {
      const letter = AIRLINE_LETTERS[Math.floor(this.#random() * AIRLINE_LETTERS.length)];
      code = `${letter}${100 + Math.floor(this.#random() * 900)}`;
    } while (taken.has(code));
    this.#latestArrival = (this.#latestArrival + 10 + Math.floor(this.#random() * 30)) % (24 * 60);
    const origin = ORIGINS[Math.floor(this.#random() * ORIGINS.length)] ?? 'Paris';
    return { flight: code, origin, arrival: formatClock(this.#latestArrival), state: 'scheduled' };
  }
}

function formatClock(minutes: number): string {
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${hh}:${mm}`;
}
