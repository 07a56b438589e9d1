/**
 * The naive board the element is compared with: what the original tutorial's React app does.
 * On every event it copies the array (`flights.map(...)`) and re-renders the whole table at
 * once; no batching, no keys, no per-frame scheduling. Rendering goes through lit-html, which
 * diffs like React's reconciler, and the table has the element's markup and stylesheet, so the
 * comparison is of the update strategy alone, with a fair "naive", not a strawman.
 */
import { html, render } from 'lit';
import type { Flight } from '../../protocol/protocol.ts';
import { styles } from '../../src/flight-board.styles.ts';

/** Set by the bench page; called after every render so renders can be counted. */
declare global {
  interface Window {
    __benchRendered?: () => void;
  }
}

class NaiveFlightBoard extends HTMLElement {
  #flights: Flight[] = [];
  #source: EventSource | undefined;
  readonly #root = this.attachShadow({ mode: 'open' });

  connectedCallback(): void {
    if (styles.styleSheet) this.#root.adoptedStyleSheets = [styles.styleSheet];
    const source = new EventSource(this.getAttribute('src') ?? '');
    this.#source = source;
    source.addEventListener('flightSnapshot', (event) => {
      this.#flights = (JSON.parse((event as MessageEvent<string>).data) as { flights: Flight[] }).flights;
      this.#render();
    });
    source.addEventListener('flightStateUpdate', (event) => {
      const update = JSON.parse((event as MessageEvent<string>).data) as Partial<Flight>;
      // setFlights(flights.map(f => f.flight === update.flight ? { ...f, ...update } : f))
      this.#flights = this.#flights.map((f) => (f.flight === update.flight ? { ...f, ...update } : f));
      this.#render();
    });
  }

  disconnectedCallback(): void {
    this.#source?.close();
  }

  #render(): void {
    render(
      html`<table part="table">
        <caption>Arrivals</caption>
        <thead><tr part="header"><th scope="col">Flight</th><th scope="col">From</th><th scope="col">Arrival</th><th scope="col">State</th></tr></thead>
        <tbody>${this.#flights.map(
          (f) => html`<tr part="row" data-flight=${f.flight} data-state=${f.state}>
            <td part="cell">${f.flight}</td><td part="cell">${f.origin}</td><td part="cell">${f.arrival}</td><td part="cell state">${f.state}</td>
          </tr>`,
        )}</tbody>
      </table>`,
      this.#root,
    );
    window.__benchRendered?.();
  }
}

customElements.define('naive-flight-board', NaiveFlightBoard);
