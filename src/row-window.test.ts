import { expect } from '@open-wc/testing';
import { type RowGeometry, rowRange, WINDOW_MIN_ROWS } from './row-window.ts';

/** Rows of 40 px in an 800 px viewport, the board's rows starting `top` px below its top. */
const at = (top: number): RowGeometry => ({ top, rowHeight: 40, viewport: 800 });

describe('rowRange', () => {
  it(`renders every row of a board of up to ${WINDOW_MIN_ROWS} rows, wherever it is`, () => {
    expect(rowRange(WINDOW_MIN_ROWS, at(-2000))).to.deep.equal({ start: 0, end: WINDOW_MIN_ROWS });
    expect(rowRange(3, undefined)).to.deep.equal({ start: 0, end: 3 });
  });

  it('renders the first rows of a large board before anything was measured', () => {
    expect(rowRange(1000, undefined)).to.deep.equal({ start: 0, end: 60 });
  });

  it('renders the rows in the viewport and half a viewport on each side, in steps of 8 rows', () => {
    // Scrolled 400 rows down: rows 400–419 are on screen, 10 rows of overscan on each side.
    const { start, end } = rowRange(1000, at(-400 * 40));
    expect(start).to.be.at.most(390);
    expect(end).to.be.at.least(430);
    expect(end - start).to.be.at.most(40 + 2 * 8);
    expect(start % 8).to.equal(0);
    expect(end % 8).to.equal(0);
  });

  it('starts at the first row while the top of the board is on screen', () => {
    expect(rowRange(1000, at(100))).to.deep.equal({ start: 0, end: 32 });
  });

  it('renders no row while the board is entirely below or above the viewport', () => {
    expect(rowRange(1000, at(5000))).to.deep.equal({ start: 0, end: 0 });
    expect(rowRange(1000, at(-100_000))).to.deep.equal({ start: 1000, end: 1000 });
  });
});
