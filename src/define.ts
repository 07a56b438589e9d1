/**
 * `flight-board`: registers `<flight-board>` and exports what `flight-board/element` exports.
 * Registering twice (two bundles on one page) does nothing; without a DOM (server rendering in
 * Node) Lit's shim provides `customElements`, and where even that is missing nothing registers.
 */
import { FlightBoardElement } from './flight-board.ts';

export * from './element.ts';

if (typeof customElements !== 'undefined' && !customElements.get('flight-board')) {
  customElements.define('flight-board', FlightBoardElement);
}

declare global {
  interface HTMLElementTagNameMap {
    'flight-board': FlightBoardElement;
  }
}
