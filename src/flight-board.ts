import { html, LitElement, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { ConnectionStatus, EventStreamController } from './event-stream-controller.ts';
import { styles } from './flight-board.styles.ts';
import {
  asFlight,
  asFlightRemoval,
  asFlightSnapshot,
  asFlightUpdate,
  type Flight,
  FlightEvent,
  parseJson,
} from './protocol.ts';

const STATUS_TEXT: Record<ConnectionStatus, string> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  stopped: 'Stopped',
  closed: 'Closed by server',
  error: 'Connection error',
};

/**
 * A live arrivals board fed by Server-Sent Events.
 *
 * @attr src - URL of the event stream.
 * @attr with-credentials - send cookies with a cross-origin stream request.
 * @attr heading - the board's caption.
 *
 * @csspart table - the board's table.
 * @csspart row - one flight's row.
 * @csspart cell - every cell of a row.
 * @csspart state - the cell that shows a flight's state.
 * @csspart status - the connection status line.
 * @csspart button - the Stop/Resume button.
 *
 * @cssprop --flight-board-bg - board background. Default: #10151c.
 * @cssprop --flight-board-color - text colour. Default: #f5f5f5.
 * @cssprop --flight-board-accent - caption and button colour. Default: #ffd23f.
 */
export class FlightBoardElement extends LitElement {
  static override styles = styles;

  /** URL of the event stream. Default: "" (not connected). */
  @property() src = '';

  /** Send credentials (cookies) with a cross-origin stream. Default: false. */
  @property({ type: Boolean, attribute: 'with-credentials' }) withCredentials = false;

  /** The board's caption. Default: "Arrivals". */
  @property() heading = 'Arrivals';

  /** The flights on the board, in arrival order. Setting it replaces the board. */
  @property({ attribute: false })
  get flights(): Flight[] {
    return [...this.#rows.values()].sort((a, b) => a.arrival.localeCompare(b.arrival));
  }
  set flights(flights: Flight[]) {
    this.#rows = new Map(flights.map((f) => [f.flight, f]));
    this.requestUpdate('flights');
  }

  #rows = new Map<string, Flight>();

  readonly #stream = new EventStreamController(this, {
    events: [
      FlightEvent.snapshot,
      FlightEvent.added,
      FlightEvent.stateUpdate,
      FlightEvent.message,
      FlightEvent.removal,
      FlightEvent.closed,
    ],
    onEvent: (type, data) => this.#apply(type, data),
  });

  /** The connection's status: idle, connecting, live, reconnecting, stopped, closed or error. */
  get status(): ConnectionStatus {
    return this.#stream.status;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('src') || changed.has('withCredentials')) {
      this.#stream.configure(this.src, this.withCredentials);
    }
  }

  protected override render() {
    const stopped = this.status === ConnectionStatus.stopped;
    return html`
      <header>
        <span part="status" role="status">${STATUS_TEXT[this.status]}</span>
        <button part="button" type="button" @click=${this.#toggle}>${stopped ? 'Resume' : 'Stop'}</button>
      </header>
      <table part="table">
        <caption>${this.heading}</caption>
        <thead>
          <tr part="header">
            <th scope="col">Flight</th>
            <th scope="col">From</th>
            <th scope="col">Arrival</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          ${repeat(
            this.flights,
            (f) => f.flight,
            (f) => html`
              <tr part="row" data-flight=${f.flight} data-state=${f.state}>
                <td part="cell">${f.flight}</td>
                <td part="cell">${f.origin}</td>
                <td part="cell">${f.arrival}</td>
                <td part="cell state">${f.state}</td>
              </tr>
            `,
          )}
        </tbody>
      </table>
    `;
  }

  #toggle(): void {
    if (this.status === ConnectionStatus.stopped) this.#stream.resume();
    else this.#stream.stop();
  }

  #apply(type: string, data: string): void {
    if (type === FlightEvent.closed) {
      this.#stream.finish();
      return;
    }
    const payload = parseJson(data);
    switch (type) {
      case FlightEvent.snapshot: {
        const snapshot = asFlightSnapshot(payload);
        if (snapshot) this.flights = snapshot.flights;
        return;
      }
      case FlightEvent.added: {
        const flight = asFlight(payload);
        if (flight) this.#set(flight);
        return;
      }
      case FlightEvent.stateUpdate:
      case FlightEvent.message: {
        const update = asFlightUpdate(payload);
        const current = update && this.#rows.get(update.flight);
        if (update && current) this.#set({ ...current, ...update });
        return;
      }
      case FlightEvent.removal: {
        const removal = asFlightRemoval(payload);
        if (removal && this.#rows.delete(removal.flight)) this.requestUpdate('flights');
        return;
      }
    }
  }

  #set(flight: Flight): void {
    this.#rows.set(flight.flight, flight);
    this.requestUpdate('flights');
  }
}
