import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { guard } from 'lit/directives/guard.js';
import {
  asFlightSnapshot,
  type Flight,
  FlightEvent,
  type FlightField,
  parseJson,
} from '../protocol/protocol.ts';
import { Announcer } from './announcer.ts';
import { ConnectionStatus, EventStreamController } from './event-stream-controller.ts';
import {
  FlightBoardStatusEvent,
  FlightChangeEvent,
  FlightIgnoredEvent,
  FlightSnapshotEvent,
  type IgnoredReason,
} from './events.ts';
import { Flashes } from './flashes.ts';
import { styles } from './flight-board.styles.ts';
import { applyFlightEvent, describeChange, type FlightRows, replaceRows } from './flight-rows.ts';
import { RowWindow } from './row-window.ts';

/** The direction of a sort, with the values of `aria-sort`. */
export type SortDirection = 'ascending' | 'descending';

const STATUS_TEXT: Record<ConnectionStatus, string> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  stopped: 'Stopped',
  closed: 'Closed by server',
  error: 'Connection error, retrying',
};

const COLUMNS: readonly [FlightField, string][] = [
  ['flight', 'Flight'],
  ['origin', 'From'],
  ['arrival', 'Arrival'],
  ['state', 'State'],
];

const collator = new Intl.Collator(undefined, { numeric: true });

/** How long a changed state cell is highlighted (ms). */
const FLASH_MS = 1500;
/** At most this many state cells are highlighted at once (see flashes.ts). */
const MAX_FLASHES = 40;

/** Stands in for the rows a large board does not render (see row-window.ts). */
const spacer = html`<tr class="spacer" aria-hidden="true"><td colspan="4"></td></tr>`;

/** The whole second a time falls in: the "updated" time shows no finer. */
const second = (date: Date) => Math.floor(date.getTime() / 1000);

/** A `::part` name for a state, so `::part(row-on-time)` selects rows by state from outside. */
const statePart = (state: string) => `row-${state.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;

/**
 * A live arrivals board fed by Server-Sent Events: one element, one `src`.
 *
 * @attr src - URL of the event stream.
 * @attr with-credentials - send cookies with a cross-origin stream request.
 * @attr heading - the board's caption.
 * @attr announce - "polite" (default) announces changes to screen readers; "off" does not.
 *
 * @fires {FlightChangeEvent} flight-board-change - a row was added, updated or removed.
 * @fires {FlightSnapshotEvent} flight-board-snapshot - a `flightSnapshot` replaced the board.
 * @fires {FlightBoardStatusEvent} flight-board-status - the connection status changed.
 * @fires {FlightIgnoredEvent} flight-board-ignored - a malformed event or an update for an unknown flight was ignored.
 *
 * @csspart table - the board's table.
 * @csspart header - the table's header row.
 * @csspart sort - the button in each column header that sorts by that column.
 * @csspart row - one flight's row; it also has the part `row-<state>` (e.g. `row-landed`, `row-on-time`).
 * @csspart cell - every cell of a row.
 * @csspart state - the cell that shows a flight's state.
 * @csspart status - the connection status line.
 * @csspart button - the Stop/Resume button.
 *
 * @cssprop --flight-board-font - font family. Default: a monospace stack.
 * @cssprop --flight-board-bg - board background. Default: #f7f8fa (light), #10151c (dark).
 * @cssprop --flight-board-color - text colour. Default: #1b2330 (light), #f5f5f5 (dark).
 * @cssprop --flight-board-cell-color - colour of the cells. Default: #1b2330 (light), #ffd23f (dark).
 * @cssprop --flight-board-accent - caption, button and focus colour. Default: #0b5cad (light), #ffd23f (dark).
 * @cssprop --flight-board-muted - column headers and status line. Default: #4a5868 (light), #9fb0c0 (dark).
 * @cssprop --flight-board-border - row separators. Default: #d5dbe3 (light), #26303b (dark).
 * @cssprop --flight-board-landed - the state of landed flights. Default: #1a7f37 (light), #5ad17a (dark).
 * @cssprop --flight-board-landing - the state of landing flights. Default: #0a5fb4 (light), #5ab8ff (dark).
 * @cssprop --flight-board-alert - delayed and cancelled. Default: #b42318 (light), #ff6b5a (dark).
 * @cssprop --flight-board-flash - outline colour a changed state flashes with. Default: the accent.
 * @cssprop --flight-board-radius - corner radius. Default: 8px.
 * @cssprop --flight-board-padding - inner spacing. Default: 1rem.
 */
export class FlightBoardElement extends LitElement {
  static override styles = styles;

  /** URL of the event stream. Default: "" (not connected). */
  @property() src = '';

  /** Send credentials (cookies) with a cross-origin stream. Default: false. */
  @property({ type: Boolean, attribute: 'with-credentials' }) withCredentials = false;

  /** Screen reader announcements of changes: "polite" or "off". Default: "polite". */
  @property() announce: 'polite' | 'off' = 'polite';

  /** The board's caption. Default: "Arrivals". */
  @property() heading = 'Arrivals';

  /** The column the rows are sorted by. Default: "arrival". */
  @property({ attribute: false }) sortBy: FlightField = 'arrival';

  /** The direction of the sort. Default: "ascending". */
  @property({ attribute: false }) sortDirection: SortDirection = 'ascending';

  /** The flights on the board, in display order. Setting it replaces the board. */
  @property({ attribute: false })
  get flights(): Flight[] {
    return [...this.#sortedRows()];
  }
  set flights(flights: readonly Flight[]) {
    replaceRows(this.#rows, flights);
    this.#sorted = undefined;
    this.requestUpdate(); // no name: Lit would read the getter, which copies every row
  }

  /** The connection status: idle, connecting, live, reconnecting, stopped, closed or error. */
  get status(): ConnectionStatus {
    return this.#stream.status;
  }

  /** Why the stream last failed ("404 Not Found", "not an event stream: text/html", a CORS refusal); '' once live. */
  get lastError(): string {
    return this.#stream.lastError;
  }

  /** When the board last changed because of the stream. Default: undefined. */
  get lastUpdate(): Date | undefined {
    return this.#lastUpdate;
  }

  /** First retry delay after the stream fails (ms); doubles per failure, with jitter. Default: 1000. */
  get retryDelay(): number {
    return this.#stream.retryDelay;
  }
  set retryDelay(ms: number) {
    this.#stream.retryDelay = ms;
  }

  /** The longest retry delay (ms). Default: 30000. */
  get maxRetryDelay(): number {
    return this.#stream.maxRetryDelay;
  }
  set maxRetryDelay(ms: number) {
    this.#stream.maxRetryDelay = ms;
  }

  /** The shortest time between two screen reader announcements (ms). Default: 2000. */
  get announceInterval(): number {
    return this.#announcer.interval;
  }
  set announceInterval(ms: number) {
    this.#announcer.interval = ms;
  }

  #rows: FlightRows = new Map();
  /** The rows in display order; undefined when they must be sorted again. */
  #sorted: Flight[] | undefined;
  readonly #window = new RowWindow(this, () => this.renderRoot.querySelector?.('tbody'));
  #lastUpdate: Date | undefined;
  /** The second of the "updated" time the last render showed. */
  #shownSecond: number | undefined;
  readonly #flashes = new Flashes(this, FLASH_MS, MAX_FLASHES);
  readonly #announcer = new Announcer(this);
  /** The connection statuses announced since the stream was last live. */
  readonly #said = new Set<string>();
  readonly #stream = new EventStreamController(this, {
    events: Object.values(FlightEvent),
    onEvent: (type, data) => this.#receive(type, data),
    onStatus: (status) => {
      // Each connection change is announced once until the stream is live again, not once per retry.
      if (status === 'live') this.#said.clear();
      else if (/error|closed|reconnecting/.test(status) && !this.#said.has(status)) {
        this.#said.add(status);
        this.#announcer.say(this.#statusText());
      }
      this.dispatchEvent(new FlightBoardStatusEvent(status, this.lastError));
    },
  });

  override connectedCallback(): void {
    super.connectedCallback();
    // With a classic script in <head>, the element upgrades before the parser reaches its children.
    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', () => this.#readInlineFlights(), { once: true });
    } else this.#readInlineFlights();
  }

  /** Renders at most once per animation frame, however many events arrived in between. */
  protected override async scheduleUpdate(): Promise<void> {
    await new Promise(requestAnimationFrame);
    super.scheduleUpdate();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('src') || changed.has('withCredentials')) {
      this.#stream.configure(this.src, this.withCredentials);
    }
    if (changed.has('sortBy') || changed.has('sortDirection')) this.#sorted = undefined;
  }

  // The table's roles are spelled out (role="table", "row", "cell"…): the compact layout sets
  // display: grid on it, and WebKit drops a table's semantics when its display changes.
  protected override render() {
    const { status } = this;
    const stopped = status === ConnectionStatus.stopped;
    const updated = this.#lastUpdate;
    this.#shownSecond = updated && second(updated);
    const rows = this.#sortedRows();
    const { start, end } = this.#window.slice(rows.length);
    // A windowed board tells assistive technology how many rows there are and where each one is.
    const windowed = this.#window.windowed;
    return html`
      <div class="bar">
        <p part="status" data-status=${status}>
          <span>${this.#statusText()}</span>${
            updated
              ? html` · updated <time datetime=${updated.toISOString()}>${updated.toLocaleTimeString()}</time>`
              : nothing
          }
        </p>
        ${
          // No stream, no Stop: the button only ever offers what it would really do.
          this.src
            ? html`<button part="button" type="button" @click=${this.#toggle}>${
                stopped ? 'Resume' : status === ConnectionStatus.closed ? 'Reconnect' : 'Stop'
              }</button>`
            : nothing
        }
      </div>
      <table part="table" role="table" aria-labelledby="caption" aria-rowcount=${windowed ? rows.length + 1 : nothing}>
        <caption id="caption">${this.heading}</caption>
        <thead role="rowgroup">
          <tr part="header" role="row">${COLUMNS.map(([key, label]) => this.#header(key, label))}</tr>
        </thead>
        <tbody role="rowgroup">
          ${windowed ? spacer : nothing}
          ${rows.slice(start, end).map(
            // The flight object is replaced on every change, so unchanged rows are skipped entirely.
            (f, i) => {
              const index = windowed ? start + i + 2 : undefined; // row 1 is the header
              const flash = this.#flashes.has(f.flight);
              return guard([f, index, flash], () => this.#row(f, index, flash));
            },
          )}
          ${windowed ? spacer : nothing}
        </tbody>
      </table>
      <div class="visually-hidden" aria-live=${this.announce}>${this.#announcer.text}</div>
    `;
  }

  /** The status line's words: a failing stream says why (`lastError`). */
  #statusText(): string {
    const { status, lastError } = this;
    const failing = lastError && (status === 'error' || status === 'reconnecting');
    return failing ? `${STATUS_TEXT[status]} (${lastError})` : STATUS_TEXT[status];
  }

  /** A column header: a button (mouse, Enter, Space) that sorts by the column; `aria-sort` on the sorted one. */
  #header(key: FlightField, label: string) {
    const sorted = this.sortBy === key;
    return html`<th scope="col" role="columnheader" aria-sort=${sorted ? this.sortDirection : nothing}>
      <button part="sort" type="button" @click=${() => this.#sortBy(key)}>${label}<span aria-hidden="true"
        >${sorted ? (this.sortDirection === 'ascending' ? ' ▲' : ' ▼') : ''}</span></button>
    </th>`;
  }

  #row(f: Flight, index: number | undefined, flash: boolean) {
    return html`<tr part="row ${statePart(f.state)}" role="row" data-flight=${f.flight} data-state=${f.state} aria-rowindex=${index ?? nothing}>
      <th part="cell" scope="row" role="rowheader">${f.flight}</th>
      <td part="cell" role="cell" title=${f.origin}>${f.origin}</td>
      <td part="cell" role="cell">${f.arrival}</td>
      <td part="cell state" role="cell"><span class=${flash ? 'flash' : ''}>${f.state}</span></td>
    </tr>`;
  }

  /** The rows in display order, sorted again only after a change that can move a row. */
  #sortedRows(): Flight[] {
    if (this.#sorted) return this.#sorted;
    const dir = this.sortDirection === 'descending' ? -1 : 1;
    const key = this.sortBy;
    // Array.prototype.sort is stable: equal keys keep the order in which the flights arrived.
    this.#sorted = [...this.#rows.values()].sort((a, b) => dir * collator.compare(a[key], b[key]));
    return this.#sorted;
  }

  /**
   * Keeps the sorted rows in step with one change: in place when the row keeps its position.
   * Returns the row's index, or -1 when the rows must be sorted again.
   */
  #resort(flight: Flight, previous: Flight | undefined): number {
    const same = previous !== undefined && previous[this.sortBy] === flight[this.sortBy];
    const index = same ? (this.#sorted?.indexOf(previous) ?? -1) : -1;
    if (index >= 0) this.#sorted![index] = flight;
    else this.#sorted = undefined;
    return index;
  }

  #toggle(): void {
    const { status } = this;
    if (status === ConnectionStatus.stopped || status === ConnectionStatus.closed) this.#stream.resume();
    else this.#stream.stop();
  }

  #sortBy(key: FlightField): void {
    const ascending = this.sortBy !== key || this.sortDirection === 'descending';
    this.sortBy = key;
    this.sortDirection = ascending ? 'ascending' : 'descending';
  }

  #receive(type: string, data: string): void {
    if (type === FlightEvent.closed) {
      this.#stream.finish();
      return;
    }
    const change = applyFlightEvent(this.#rows, type, data);
    if (change.kind === 'ignored') {
      this.#ignored(change.reason, type, data);
      return;
    }
    this.#lastUpdate = new Date();
    if (change.kind === 'snapshot') {
      this.#sorted = undefined;
      this.requestUpdate();
      this.dispatchEvent(new FlightSnapshotEvent(change.flights));
      return;
    }
    const { kind, flight, previous } = change;
    const index = this.#resort(flight, kind === 'removed' ? undefined : previous);
    // In a windowed board, a change to a row off screen changes nothing rendered but the
    // "updated" time, whose text changes once a second: at 500 updates/s most renders are skipped.
    // No property name: with one, Lit would read `flights` for its old value, which copies every row.
    if (index < 0 || this.#window.isRendered(index) || this.#shownSecond !== second(this.#lastUpdate)) {
      this.requestUpdate();
    }
    if (flight.state !== previous?.state) this.#flashes.add(flight.flight);
    this.#announcer.say(describeChange(kind, flight, previous));
    this.dispatchEvent(new FlightChangeEvent(kind, flight, previous));
  }

  #ignored(reason: IgnoredReason, type: string, data: string): void {
    console.warn(`<flight-board> ignored a ${type} event (${reason}):`, data);
    this.dispatchEvent(new FlightIgnoredEvent(reason, type, data));
  }

  /** Initial rows for servers that only send updates: `<script type="application/json">[…]</script>`. */
  #readInlineFlights(): void {
    const script = this.querySelector('script[type="application/json"]');
    if (!script || this.#rows.size) return;
    const text = script.textContent ?? '';
    const flights = parseJson(text);
    const snapshot = asFlightSnapshot({ flights });
    if (snapshot) this.flights = snapshot.flights;
    else this.#ignored(flights === undefined ? 'malformed-json' : 'invalid-payload', 'inline', text);
  }
}
