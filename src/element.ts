/**
 * `flight-board/element`: the element's class and its typed events, without registering the tag.
 * Import this to register `<flight-board>` under a name of your own, or to extend the class;
 * `flight-board` (define.ts) registers it as `<flight-board>`.
 */
export type { Flight, FlightField } from '../protocol/protocol.ts';
export { ConnectionStatus } from './connection-status.ts';
export * from './events.ts';
export { FlightBoardElement, type SortDirection } from './flight-board.ts';
