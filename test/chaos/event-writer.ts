import type { Flight, FlightUpdate } from '../../protocol/protocol.ts';
import type { SeededRandom } from './seeded-random.ts';

/** One write of the chaos run. */
export type Write =
  | { kind: 'add'; flight: Flight }
  | { kind: 'update'; update: FlightUpdate }
  | { kind: 'remove'; flight: string };

/** Where writes go: straight to a store, or through the REST API of some instance. */
export type WriteSink = (write: Write) => Promise<void>;

const STATES = ['scheduled', 'on time', 'delayed', 'landing', 'landed', 'cancelled', ''];
/** Multi-byte text, so cuts at random byte offsets split characters too. */
const ORIGINS = [
  'London',
  'Berlin',
  'New York',
  'São Paulo',
  'Zürich',
  '東京',
  'Αθήνα',
  'Kraków 🛬',
  'Reykjavík',
];

function clock(rng: SeededRandom): string {
  return `${String(rng.int(0, 23)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}`;
}

/**
 * Generates `count` writes of every kind (adds, state and field updates, removals, re-adds of
 * removed keys) against a model of the board, so each one is valid when it is sent.
 */
export function* chaosWrites(rng: SeededRandom, count: number): Generator<Write> {
  const board = new Map<string, Flight>();
  const removed: string[] = [];
  let next = 1;
  for (let i = 0; i < count; i++) {
    const size = board.size;
    const roll = rng.next();
    if (size < 8 || (size < 60 && roll < 0.25)) {
      const reuse = removed.length > 0 && rng.chance(0.2);
      const key = reuse ? removed.splice(rng.int(0, removed.length - 1), 1)[0] : `CH${next++}`;
      const flight: Flight = {
        flight: key ?? `CH${next++}`,
        origin: rng.pick(ORIGINS),
        arrival: clock(rng),
        state: rng.pick(STATES),
        ...(rng.chance(0.1) ? { gate: `G${rng.int(1, 40)}` } : {}),
      };
      board.set(flight.flight, flight);
      yield { kind: 'add', flight };
    } else if (roll < 0.8) {
      const current = rng.pick([...board.values()]);
      const update: FlightUpdate = { flight: current.flight, state: rng.pick(STATES) };
      if (rng.chance(0.15)) update.origin = rng.pick(ORIGINS);
      if (rng.chance(0.15)) update.arrival = clock(rng);
      board.set(current.flight, { ...current, ...update });
      yield { kind: 'update', update };
    } else {
      const key = rng.pick([...board.keys()]);
      board.delete(key);
      removed.push(key);
      yield { kind: 'remove', flight: key };
    }
  }
}
