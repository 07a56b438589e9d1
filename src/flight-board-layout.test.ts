// The board lays itself out by its own width (a container query on the host): a narrow board
// (below 28rem of content, ~480 px with the default padding) shows each flight on two lines,
// the origin under the flight number and the state as a badge; a wide one keeps one line per
// flight in four columns. Either way it is the same table, with one height for every row.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import './define.ts';
import type { Flight } from '../protocol/protocol.ts';
import type { FlightBoardElement } from './flight-board.ts';

const flights: Flight[] = [
  { flight: 'A987', origin: 'Buenos Aires', arrival: '09:30', state: 'landed' },
  { flight: 'SP0042', origin: 'São Paulo–Guarulhos', arrival: '09:55', state: 'delayed' },
  {
    flight: 'WL0001',
    origin: 'Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch',
    arrival: '10:15',
    state: 'landing',
  },
  { flight: 'I768', origin: 'Rome', arrival: '10:20', state: 'cancelled' },
  { flight: 'S642', origin: 'Stockholm', arrival: '11:35', state: 'scheduled' },
  { flight: 'L358', origin: 'Oslo', arrival: '12:05', state: 'on time' },
];

/** A board `width` px wide (the wtr page is ~800 px wide: the board's width decides, not the page's). */
async function boardAt(width: number, style = ''): Promise<FlightBoardElement> {
  const box = await fixture<HTMLDivElement>(
    html`<div style="width: ${width}px"><flight-board style=${style} .flights=${flights}></flight-board></div>`,
  );
  const el = box.querySelector<FlightBoardElement>('flight-board')!;
  await waitUntil(() => el.shadowRoot!.querySelectorAll('tr[data-flight]').length === flights.length);
  return el;
}

const rowOf = (el: FlightBoardElement, flight: string) =>
  el.shadowRoot!.querySelector<HTMLTableRowElement>(`tr[data-flight="${flight}"]`)!;
/** A row's cells: flight (row header), origin, arrival, state. */
const cellsOf = (el: FlightBoardElement, flight: string) => [...rowOf(el, flight).cells];
const badgeOf = (el: FlightBoardElement, flight: string) =>
  rowOf(el, flight).querySelector<HTMLElement>('[part~="state"] span')!;
const headersOf = (el: FlightBoardElement) => [
  ...el.shadowRoot!.querySelectorAll<HTMLTableCellElement>('thead th'),
];
const box = (node: Element) => node.getBoundingClientRect();

/** Where a button's label (its text and sort arrow) is laid out, clipped or not. */
function labelBox(button: HTMLButtonElement): DOMRect {
  const range = document.createRange();
  range.selectNodeContents(button);
  return range.getBoundingClientRect();
}

const overlaps = (a: DOMRect, b: DOMRect) =>
  Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 &&
  Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;

/**
 * Whether a font family is installed: a missing one falls back, and would silently test the
 * fallback again (see the same check in flight-board.test.ts).
 */
function installed(family: string): boolean {
  const context = document.createElement('canvas').getContext('2d')!;
  const width = (font: string) => {
    context.font = `32px ${font}`;
    return context.measureText('ARRIVAL Buenos Aires 0123').width;
  };
  return (
    width(`"${family}", monospace`) !== width('monospace') || width(`"${family}", serif`) !== width('serif')
  );
}

function requireFont(style: string): void {
  const family = /"([^"]+)"/.exec(style)?.[1];
  if (family && !installed(family)) {
    throw new Error(
      `the font "${family}" is not installed: apt-get install -y fonts-dejavu-core fonts-liberation2`,
    );
  }
}

describe('<flight-board> compact layout for narrow boards', () => {
  for (const width of [320, 390]) {
    it(`at ${width} px shows the origin on a line of its own under the flight, wide enough for "Buenos Aires" and "São Paulo–Guarulhos"`, async () => {
      const el = await boardAt(width);
      for (const { flight } of flights) {
        const [number, origin, arrival, state] = cellsOf(el, flight).map(box);
        expect(origin!.top, `${flight}: origin under the flight`).to.be.at.least(number!.bottom - 0.5);
        expect(
          Math.abs(origin!.left - number!.left),
          `${flight}: origin aligned with the flight`,
        ).to.be.below(1);
        expect(Math.abs(arrival!.top - number!.top), `${flight}: arrival on the flight's line`).to.be.below(
          1,
        );
        expect(Math.abs(state!.top - number!.top), `${flight}: state on the flight's line`).to.be.below(1);
      }
      for (const flight of ['A987', 'SP0042']) {
        const origin = cellsOf(el, flight)[1]!;
        expect(origin.scrollWidth, `${origin.textContent} shows whole`).to.be.at.most(origin.clientWidth);
      }
    });

    it(`at ${width} px sets flight, arrival and state at the board's own font size (no shrinking)`, async () => {
      const el = await boardAt(width);
      const size = getComputedStyle(el).fontSize;
      for (const index of [0, 2]) {
        expect(getComputedStyle(cellsOf(el, 'A987')[index]!).fontSize).to.equal(size);
      }
      for (const { flight } of flights) {
        for (const cell of [0, 2, 3].map((i) => cellsOf(el, flight)[i]!)) {
          expect(cell.scrollWidth, `${flight}: "${cell.textContent}" is not cut`).to.be.at.most(
            cell.clientWidth,
          );
        }
      }
    });

    it(`at ${width} px shows the state as a framed badge whose word is whole`, async () => {
      const el = await boardAt(width);
      for (const { flight, state } of flights) {
        const badge = badgeOf(el, flight);
        const style = getComputedStyle(badge);
        expect(style.borderTopStyle, `${flight}: framed`).to.equal('solid');
        expect(Number.parseFloat(style.borderTopLeftRadius), `${flight}: rounded`).to.be.above(0);
        expect(badge.textContent, 'the text stays the state as sent').to.equal(state);
        expect(badge.scrollWidth, `${flight}: "${state}" is whole`).to.be.at.most(badge.clientWidth);
        expect(box(badge).right).to.be.at.most(box(cellsOf(el, flight)[3]!).right + 0.5);
      }
    });

    it(`at ${width} px gives every row one height, two lines tall`, async () => {
      const el = await boardAt(width);
      const heights = flights.map(({ flight }) => box(rowOf(el, flight)).height);
      expect(new Set(heights).size, `row heights ${heights}`).to.equal(1);
      const [number, origin] = cellsOf(el, 'A987').map(box);
      expect(heights[0]).to.be.at.least(number!.height + origin!.height);
    });
  }

  it('is still the same table: a row header, the origin with its full text and title, four column headers', async () => {
    const el = await boardAt(320);
    const root = el.shadowRoot!;
    for (const { flight, origin, arrival, state } of flights) {
      const cells = cellsOf(el, flight);
      expect(cells.map((cell) => cell.localName)).to.deep.equal(['th', 'td', 'td', 'td']);
      expect(cells[0]!.getAttribute('scope')).to.equal('row');
      expect(cells.map((cell) => cell.textContent)).to.deep.equal([flight, origin, arrival, state]);
      expect(cells[1]!.title).to.equal(origin);
    }
    const long = cellsOf(el, 'WL0001')[1]!;
    expect(getComputedStyle(long).textOverflow).to.equal('ellipsis');
    expect(long.scrollWidth, 'the long origin is cut, not wrapped').to.be.above(long.clientWidth);
    expect(root.querySelectorAll('thead th[scope="col"] button')).to.have.length(4);
  });

  it('keeps sorting by origin within reach: From is a visible header under Flight, and a click on it sorts', async () => {
    const el = await boardAt(320);
    const [flight, from] = headersOf(el).map((th) => th.querySelector('button')!);
    const target = box(from!);
    expect(target.top, 'From under Flight').to.be.at.least(box(flight!).bottom - 0.5);
    expect(target.width).to.be.at.least(24);
    expect(target.height).to.be.at.least(24);
    const hit = el.shadowRoot!.elementFromPoint(
      target.left + target.width / 2,
      target.top + target.height / 2,
    );
    expect(hit?.closest('button'), 'nothing covers the From header').to.equal(from);
    from!.click();
    await el.updateComplete;
    expect(el.sortBy).to.equal('origin');
    expect(cellsOf(el, 'A987')[1]!.textContent).to.equal('Buenos Aires');
    expect(el.flights.map((f) => f.origin)[0]).to.equal('Buenos Aires');
  });

  for (const [name, style, background] of [
    ['light', 'color-scheme: light', 'rgb(247, 248, 250)'],
    ['dark', 'color-scheme: dark', 'rgb(16, 21, 28)'],
  ] as const) {
    // The host's color-scheme picks the light-dark() defaults, so no media emulation is needed.
    it(`passes axe at 320 px in the ${name} scheme, with a badge for every state`, async () => {
      const el = await boardAt(320, style);
      expect(getComputedStyle(el).backgroundColor, `the ${name} defaults apply`).to.equal(background);
      await expect(el).to.be.accessible();
    });
  }

  it('fits 320 px with a large serif font: no overflow, one row height, long words cut, never overrun', async () => {
    const style = '--flight-board-font: "DejaVu Serif", serif; font-size: 1.3em';
    requireFont(style);
    const el = await boardAt(320, style);
    expect(el.scrollWidth, 'the board does not overflow').to.be.at.most(el.clientWidth);
    expect(box(el.shadowRoot!.querySelector('table')!).right).to.be.at.most(box(el).right);
    const heights = flights.map(({ flight }) => box(rowOf(el, flight)).height);
    expect(new Set(heights).size, `row heights ${heights}`).to.equal(1);
    for (const { flight } of flights) {
      const cells = cellsOf(el, flight).map(box);
      for (const [a, b] of [
        [0, 2],
        [2, 3],
      ] as const) {
        expect(overlaps(cells[a]!, cells[b]!), `${flight}: cells ${a} and ${b} do not overlap`).to.equal(
          false,
        );
      }
      expect(box(badgeOf(el, flight)).right).to.be.at.most(cells[3]!.right + 0.5);
    }
  });
});

describe('<flight-board> wide layout from 480 px', () => {
  for (const width of [768, 1280]) {
    it(`at ${width} px keeps one line per flight: flight, origin, arrival and state side by side`, async () => {
      const el = await boardAt(width);
      for (const { flight } of flights) {
        const cells = cellsOf(el, flight).map(box);
        for (const [i, cell] of cells.entries()) {
          expect(Math.abs(cell.top - cells[0]!.top), `${flight}: cell ${i} on the row's line`).to.be.below(1);
          if (i > 0)
            expect(cell.left, `${flight}: cell ${i} right of cell ${i - 1}`).to.be.at.least(
              cells[i - 1]!.right - 0.5,
            );
        }
        expect(getComputedStyle(badgeOf(el, flight)).borderTopStyle, 'the state is plain text').to.equal(
          'none',
        );
      }
      expect(getComputedStyle(el.shadowRoot!.querySelector('table')!).display).to.equal('table');
    });
  }

  it("switches by the board's own width, not the page's, and again when the board is resized", async () => {
    const el = await boardAt(768);
    const compact = () => {
      const [n, o] = cellsOf(el, 'A987').map(box);
      return o!.top >= n!.bottom - 0.5;
    };
    expect(compact()).to.equal(false);
    el.parentElement!.style.width = '390px';
    await waitUntil(compact, 'a 390 px board becomes compact');
    el.parentElement!.style.width = '600px';
    await waitUntil(() => !compact(), 'a 600 px board is wide again');
  });
});

describe('<flight-board> column headers at any width', () => {
  for (const [font, style] of [
    ['the default font', ''],
    // In these two, the fixed-width columns of the one-line layout cut "FROM" and "ARRIVAL ▲".
    ['DejaVu Sans', '--flight-board-font: "DejaVu Sans", sans-serif'],
    ['Liberation Serif', '--flight-board-font: "Liberation Serif", serif'],
  ] as const) {
    for (const width of [320, 390, 768, 1280]) {
      it(`with ${font} at ${width} px: every label is whole inside its header, and no two overlap`, async () => {
        requireFont(style);
        const el = await boardAt(width, style);
        const headers = headersOf(el);
        expect(headers).to.have.length(4);
        const labels = headers.map((th) => {
          const label = labelBox(th.querySelector('button')!);
          const cell = box(th);
          const name = th.textContent!.trim();
          expect(label.left, `${name} starts inside its header`).to.be.at.least(cell.left - 0.5);
          expect(label.right, `${name} ends inside its header`).to.be.at.most(cell.right + 0.5);
          expect(label.top).to.be.at.least(cell.top - 0.5);
          expect(label.bottom).to.be.at.most(cell.bottom + 0.5);
          return [name, label] as const;
        });
        for (const [i, [a, boxA]] of labels.entries()) {
          for (const [b, boxB] of labels.slice(i + 1)) {
            expect(overlaps(boxA, boxB), `${a} and ${b} do not overlap`).to.equal(false);
          }
        }
      });
    }
  }
});
