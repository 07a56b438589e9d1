/**
 * The original tutorial's board, in React as it had it: state in `useState`, the stream opened
 * in `useEffect`, and on every event `setFlights(flights.map(...))`. Rendered with the legacy
 * `ReactDOM.render` root, where an update outside a React event handler renders at once (as in
 * React 16/17, which the tutorial used): one full re-render and reconciliation per event. Same
 * markup and stylesheet as the element, so only the update strategy differs.
 */
// Namespace imports: React ships CommonJS, and the bundler's named-import interop loses `render`.
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import type { Flight } from '../../protocol/protocol.ts';
import { styles } from '../../src/flight-board.styles.ts';

const { createElement: h, useEffect, useLayoutEffect, useState } = React;

declare global {
  interface Window {
    __benchRendered?: () => void;
  }
}

function Board({ src }: { src: string }) {
  const [flights, setFlights] = useState<Flight[]>([]);
  useEffect(() => {
    const source = new EventSource(src);
    source.addEventListener('flightSnapshot', (event) => {
      setFlights((JSON.parse((event as MessageEvent<string>).data) as { flights: Flight[] }).flights);
    });
    source.addEventListener('flightStateUpdate', (event) => {
      const update = JSON.parse((event as MessageEvent<string>).data) as Partial<Flight>;
      setFlights((current) => current.map((f) => (f.flight === update.flight ? { ...f, ...update } : f)));
    });
    return () => source.close();
  }, [src]);
  useLayoutEffect(() => {
    window.__benchRendered?.();
  });
  return h(
    'table',
    { part: 'table' },
    h('caption', null, 'Arrivals'),
    h(
      'thead',
      null,
      h(
        'tr',
        { part: 'header' },
        ['Flight', 'From', 'Arrival', 'State'].map((label) => h('th', { key: label, scope: 'col' }, label)),
      ),
    ),
    h(
      'tbody',
      null,
      flights.map((f) =>
        h(
          'tr',
          { key: f.flight, part: 'row', 'data-flight': f.flight, 'data-state': f.state },
          h('td', { part: 'cell' }, f.flight),
          h('td', { part: 'cell' }, f.origin),
          h('td', { part: 'cell' }, f.arrival),
          h('td', { part: 'cell state' }, f.state),
        ),
      ),
    ),
  );
}

class ReactFlightBoard extends HTMLElement {
  connectedCallback(): void {
    const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    if (styles.styleSheet) root.adoptedStyleSheets = [styles.styleSheet];
    const container = document.createElement('div');
    root.append(container);
    ReactDOM.render(h(Board, { src: this.getAttribute('src') ?? '' }), container);
  }
}

customElements.define('react-flight-board', ReactFlightBoard);
