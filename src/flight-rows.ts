/**
 * Applies one received stream event to the board's rows. The rows are a `Map` keyed by
 * flight, so every event but a snapshot costs O(1); the element only renders the result.
 */

import {
  asFlight,
  asFlightRemoval,
  asFlightSnapshot,
  asFlightUpdate,
  type Flight,
  FlightEvent,
  parseJson,
} from '../protocol/protocol.ts';
import type { FlightChangeKind, IgnoredReason } from './events.ts';

/** The board's rows, keyed by `flight`, in the order they arrived. */
export type FlightRows = Map<string, Flight>;

/** What one event did to the rows. */
export type RowsChange =
  | { kind: 'snapshot'; flights: Flight[] }
  | { kind: FlightChangeKind; flight: Flight; previous?: Flight | undefined }
  | { kind: 'ignored'; reason: IgnoredReason };

/**
 * Applies a `flightSnapshot`, `flightAdded`, `flightStateUpdate`, `flightRemoval` or unnamed
 * `message` (a state update in the first protocol version) to `rows`. Malformed JSON, a payload
 * of the wrong shape or an update for an unknown flight changes nothing and says why.
 */
export function applyFlightEvent(rows: FlightRows, type: string, data: string): RowsChange {
  const payload = parseJson(data);
  if (payload === undefined) return { kind: 'ignored', reason: 'malformed-json' };
  switch (type) {
    case FlightEvent.snapshot: {
      const snapshot = asFlightSnapshot(payload);
      if (!snapshot) break;
      replaceRows(rows, snapshot.flights);
      return { kind: 'snapshot', flights: snapshot.flights };
    }
    case FlightEvent.added: {
      const flight = asFlight(payload);
      if (!flight) break;
      const previous = rows.get(flight.flight);
      rows.set(flight.flight, flight);
      return { kind: previous ? 'updated' : 'added', flight, previous };
    }
    case FlightEvent.stateUpdate:
    case FlightEvent.message: {
      const update = asFlightUpdate(payload);
      if (!update) break;
      const previous = rows.get(update.flight);
      if (!previous) return { kind: 'ignored', reason: 'unknown-flight' };
      // A new object per change: the element renders a row again only when its object changed.
      const flight = { ...previous, ...update } as Flight;
      rows.set(flight.flight, flight);
      return { kind: 'updated', flight, previous };
    }
    case FlightEvent.removal: {
      const removal = asFlightRemoval(payload);
      if (!removal) break;
      const flight = rows.get(removal.flight);
      if (!flight) return { kind: 'ignored', reason: 'unknown-flight' };
      rows.delete(removal.flight);
      return { kind: 'removed', flight };
    }
  }
  return { kind: 'ignored', reason: 'invalid-payload' };
}

/** Replaces every row (a snapshot, the `flights` property, or inline JSON). */
export function replaceRows(rows: FlightRows, flights: readonly Flight[]): void {
  rows.clear();
  for (const flight of flights) rows.set(flight.flight, flight);
}

/** The sentence a screen reader hears for a change, or '' when it is not worth interrupting for. */
export function describeChange(kind: FlightChangeKind, flight: Flight, previous?: Flight): string {
  const name = `Flight ${flight.flight} from ${flight.origin}`;
  if (kind === 'added') return `${name} added${flight.state ? `: ${flight.state}` : ''}`;
  if (kind === 'removed') return `${name} removed`;
  return flight.state && flight.state !== previous?.state ? `${name}: ${flight.state}` : '';
}
