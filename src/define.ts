import { FlightBoardElement } from './flight-board.ts';

export { ConnectionStatus } from './connection-status.ts';
export * from './events.ts';
export { FlightBoardElement, type SortDirection } from './flight-board.ts';
export type { Flight } from './protocol.ts';

// Registering twice (two bundles on one page) must not throw.
if (!customElements.get('flight-board')) customElements.define('flight-board', FlightBoardElement);

declare global {
  interface HTMLElementTagNameMap {
    'flight-board': FlightBoardElement;
  }
}
