import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sse } from 'msw';
import { setupWorker } from 'msw/browser';
import './define.ts';
import type { FlightBoardElement } from './flight-board.ts';
import { FlightEvent } from './protocol.ts';

type SseClient = { send(message: { id?: string; event?: string; data: string }): void; close(): void };

const worker = setupWorker();
let connections: SseClient[] = [];
let streamUrl = '';

/** Registers a scripted stream at a fresh URL and returns it; each connection lands in `connections`. */
function scriptedStream(): string {
  streamUrl = `/scripted-${Math.random().toString(36).slice(2)}`;
  worker.use(
    sse(streamUrl, ({ client }) => {
      connections.push(client as SseClient);
    }),
  );
  return streamUrl;
}

function rowsOf(el: FlightBoardElement): string[][] {
  return [...el.shadowRoot!.querySelectorAll('tbody tr')].map((tr) =>
    [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? ''),
  );
}

const board = [
  { flight: 'A123', origin: 'London', arrival: '08:15', state: 'on time' },
  { flight: 'I768', origin: 'Rome', arrival: '10:10', state: '' },
];

before(async () => {
  await worker.start({ quiet: true, onUnhandledRequest: 'bypass' });
});
after(() => worker.stop());
beforeEach(() => {
  connections = [];
});
afterEach(() => worker.resetHandlers());

describe('<flight-board> fed by a scripted stream', () => {
  async function connectedBoard(): Promise<{ el: FlightBoardElement; stream: SseClient }> {
    const src = scriptedStream();
    const el = await fixture<FlightBoardElement>(html`<flight-board src=${src}></flight-board>`);
    await waitUntil(() => connections.length === 1, 'the board opens its stream');
    const stream = connections[0]!;
    stream.send({ id: '2', event: FlightEvent.snapshot, data: JSON.stringify({ flights: board }) });
    await waitUntil(() => rowsOf(el).length === 2, 'the snapshot rows render');
    return { el, stream };
  }

  it('renders a real table with one row per flight of the snapshot, in arrival order', async () => {
    const { el } = await connectedBoard();
    const table = el.shadowRoot!.querySelector('table')!;
    expect(table.querySelector('caption')?.textContent).to.equal('Arrivals');
    expect([...table.querySelectorAll('th')].map((th) => th.textContent)).to.deep.equal([
      'Flight',
      'From',
      'Arrival',
      'State',
    ]);
    expect(rowsOf(el)).to.deep.equal([
      ['A123', 'London', '08:15', 'on time'],
      ['I768', 'Rome', '10:10', ''],
    ]);
  });

  it('applies a flightStateUpdate to its row', async () => {
    const { el, stream } = await connectedBoard();
    stream.send({ id: '3', event: FlightEvent.stateUpdate, data: '{"flight":"I768","state":"landing"}' });
    await waitUntil(() => rowsOf(el)[1]?.[3] === 'landing', 'I768 shows landing');
    expect(el.shadowRoot!.querySelector('tr[data-flight="I768"]')?.getAttribute('data-state')).to.equal(
      'landing',
    );
  });

  it('adds a row on flightAdded and removes one on flightRemoval', async () => {
    const { el, stream } = await connectedBoard();
    stream.send({
      id: '3',
      event: FlightEvent.added,
      data: '{"flight":"G119","origin":"Tokyo","arrival":"10:35","state":"scheduled"}',
    });
    stream.send({ id: '4', event: FlightEvent.removal, data: '{"flight":"A123"}' });
    await waitUntil(() => rowsOf(el).length === 2 && rowsOf(el)[1]?.[0] === 'G119', 'G119 added, A123 gone');
    expect(rowsOf(el).map((r) => r[0])).to.deep.equal(['I768', 'G119']);
  });

  it('Stop closes the stream and the button then offers Resume', async () => {
    const { el } = await connectedBoard();
    const button = el.shadowRoot!.querySelector('button')!;
    expect(button.textContent).to.equal('Stop');
    button.click();
    await el.updateComplete;
    expect(el.status).to.equal('stopped');
    expect(button.textContent).to.equal('Resume');
  });
});
