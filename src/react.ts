/**
 * `flight-board/react`: `<FlightBoard>` for React, made with `@lit/react` so that React sets the
 * element's properties (not attributes) and listens to its DOM events through `on…` props.
 *
 * @example
 * import { FlightBoard } from 'flight-board/react';
 * <FlightBoard src="/events" onFlightBoardChange={(e) => console.log(e.kind, e.flight)} />
 */
import { createComponent, type EventName } from '@lit/react';
import * as React from 'react';
import { FlightBoardElement } from './define.ts';
import {
  FlightBoardStatusEvent,
  FlightChangeEvent,
  FlightIgnoredEvent,
  FlightSnapshotEvent,
} from './events.ts';

export * from './element.ts';

/** The element's properties a React user sets, all optional; each defaults as on the element. */
type FlightBoardElementProps = Partial<
  Pick<
    FlightBoardElement,
    | 'src'
    | 'withCredentials'
    | 'heading'
    | 'flights'
    | 'sortBy'
    | 'sortDirection'
    | 'retryDelay'
    | 'maxRetryDelay'
    | 'announceInterval'
  >
>;

/** The element's DOM events as React props, each typed with its event class. */
export interface FlightBoardEventProps {
  /** `flight-board-change`: a row was added, updated or removed. */
  onFlightBoardChange?: (event: FlightChangeEvent) => void;
  /** `flight-board-snapshot`: a `flightSnapshot` replaced the board. */
  onFlightBoardSnapshot?: (event: FlightSnapshotEvent) => void;
  /** `flight-board-status`: the connection status changed. */
  onFlightBoardStatus?: (event: FlightBoardStatusEvent) => void;
  /** `flight-board-ignored`: a malformed event or an update for an unknown flight was ignored. */
  onFlightBoardIgnored?: (event: FlightIgnoredEvent) => void;
}

/** Every prop of `<FlightBoard>`: the element's properties, its events, and the usual HTML attributes. */
export type FlightBoardProps = Omit<
  React.HTMLAttributes<FlightBoardElement>,
  keyof FlightBoardElementProps | keyof FlightBoardEventProps
> &
  FlightBoardElementProps &
  FlightBoardEventProps;

/** `<flight-board>` as a React component; a `ref` reaches the element itself. */
export const FlightBoard: React.ForwardRefExoticComponent<
  FlightBoardProps & React.RefAttributes<FlightBoardElement>
> = createComponent({
  react: React,
  tagName: 'flight-board',
  elementClass: FlightBoardElement,
  events: {
    onFlightBoardChange: FlightChangeEvent.type as EventName<FlightChangeEvent>,
    onFlightBoardSnapshot: FlightSnapshotEvent.type as EventName<FlightSnapshotEvent>,
    onFlightBoardStatus: FlightBoardStatusEvent.type as EventName<FlightBoardStatusEvent>,
    onFlightBoardIgnored: FlightIgnoredEvent.type as EventName<FlightIgnoredEvent>,
  },
  displayName: 'FlightBoard',
});
