/**
 * The DOM events `<flight-board>` dispatches for host pages. Each is an `Event` subclass with
 * typed fields (like the platform's own events), and each is added to `HTMLElementEventMap`,
 * so `board.addEventListener('flight-board-change', (e) => e.flight)` is typed.
 */

import type { Flight } from '../protocol/protocol.ts';
import type { ConnectionStatus } from './connection-status.ts';

/** What happened to a row. */
export type FlightChangeKind = 'added' | 'updated' | 'removed';

/** A row was added, updated or removed by the stream. Bubbles and crosses shadow roots. */
export class FlightChangeEvent extends Event {
  static readonly type = 'flight-board-change';
  constructor(
    /** What happened to the row. */
    readonly kind: FlightChangeKind,
    /** The row as it is now (for `removed`: as it was). */
    readonly flight: Flight,
    /** The row before an update, if it existed. */
    readonly previous?: Flight,
  ) {
    super(FlightChangeEvent.type, { bubbles: true, composed: true });
  }
}

/** A `flightSnapshot` replaced the whole board. */
export class FlightSnapshotEvent extends Event {
  static readonly type = 'flight-board-snapshot';
  constructor(
    /** The flights of the new board. */
    readonly flights: readonly Flight[],
  ) {
    super(FlightSnapshotEvent.type, { bubbles: true, composed: true });
  }
}

/** The connection status changed (also readable as the element's `status` property). */
export class FlightBoardStatusEvent extends Event {
  static readonly type = 'flight-board-status';
  constructor(
    /** The new status. */
    readonly status: ConnectionStatus,
    /** Why the stream last failed (e.g. "404 Not Found"), with status `error`; '' otherwise. */
    readonly error = '',
  ) {
    super(FlightBoardStatusEvent.type, { bubbles: true, composed: true });
  }
}

/** Why a received event was ignored. */
export type IgnoredReason = 'malformed-json' | 'invalid-payload' | 'unknown-flight';

/** A received event was ignored (the board is left as it was); a `console.warn` says the same. */
export class FlightIgnoredEvent extends Event {
  static readonly type = 'flight-board-ignored';
  constructor(
    /** Why it was ignored. */
    readonly reason: IgnoredReason,
    /** The SSE event name (`message` for unnamed events). */
    readonly eventType: string,
    /** The raw `data` of the event. */
    readonly data: string,
  ) {
    super(FlightIgnoredEvent.type, { bubbles: true, composed: true });
  }
}

declare global {
  interface HTMLElementEventMap {
    'flight-board-change': FlightChangeEvent;
    'flight-board-snapshot': FlightSnapshotEvent;
    'flight-board-status': FlightBoardStatusEvent;
    'flight-board-ignored': FlightIgnoredEvent;
  }
}
