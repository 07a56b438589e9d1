import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** The slice `[start, end)` of the sorted rows that is in the DOM. */
export interface RowRange {
  start: number;
  end: number;
}

/** Where the rows' container was, last time it was measured (CSS px, viewport coordinates). */
export interface RowGeometry {
  /** The container's top edge, relative to the top of the viewport (negative once scrolled past). */
  top: number;
  /** The average height of a rendered row. */
  rowHeight: number;
  /** The viewport's height. */
  viewport: number;
}

/**
 * Boards up to this many rows render every row: find-in-page, printing and a screen reader's
 * table navigation see the whole board, and there is nothing to save.
 */
export const WINDOW_MIN_ROWS = 100;
/** Rows rendered before anything was measured: enough to fill a tall screen. */
const INITIAL_ROWS = 60;
/** A row's height until one was measured (px); only the spacers' first estimate depends on it. */
const ESTIMATED_ROW_HEIGHT = 36;
/** The window moves in steps of this many rows, so scrolling re-renders every few rows, not every row. */
const STEP = 8;

/**
 * The rows to render out of `total`: every row for a small board; otherwise the rows in the
 * viewport plus half a viewport above and below, so scrolling shows rendered rows while the
 * next frame catches up.
 */
export function rowRange(total: number, geometry: RowGeometry | undefined): RowRange {
  if (total <= WINDOW_MIN_ROWS) return { start: 0, end: total };
  if (!geometry) return { start: 0, end: Math.min(total, INITIAL_ROWS) };
  const { top, rowHeight, viewport } = geometry;
  const overscan = viewport / 2;
  const first = Math.floor((-top - overscan) / rowHeight / STEP) * STEP;
  const last = Math.ceil((viewport - top + overscan) / rowHeight / STEP) * STEP;
  const start = Math.min(total, Math.max(0, first));
  return { start, end: Math.min(total, Math.max(start, last)) };
}

/**
 * Renders only the rows near the viewport once a board is large: what a 1,000-row board costs
 * per frame is then that of the ~50 rows on screen, not the style, layout and paint of all of
 * them. Rows outside the window are stood in for by two spacer rows of the same total height,
 * so the scrollbar and the page's layout are those of the whole board. A small board has no
 * spacers: its DOM is every row and nothing else.
 *
 * It measures only when an `IntersectionObserver` says a spacer entered or left the viewport.
 * That covers scrolling of the page or of any scrolling ancestor (also inside other shadow
 * roots), resizing and layout shifts, and it reads geometry after layout, never forcing one.
 */
export class RowWindow implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  readonly #body: () => HTMLTableSectionElement | null | undefined;
  #geometry: RowGeometry | undefined;
  #total = 0;
  #rendered: RowRange = { start: 0, end: 0 };
  #observer: IntersectionObserver | undefined;
  #observed: [HTMLElement, HTMLElement] | undefined;

  /** `body` finds the `<tbody>`; while windowed, its first and last rows are the spacers. */
  constructor(host: ReactiveControllerHost, body: () => HTMLTableSectionElement | null | undefined) {
    this.#host = host;
    this.#body = body;
    host.addController(this);
  }

  /** True when the board renders only part of its rows (it then needs `aria-rowcount`/`aria-rowindex`). */
  get windowed(): boolean {
    return this.#total > WINDOW_MIN_ROWS;
  }

  /** The rows to render in this update. */
  slice(total: number): RowRange {
    this.#total = total;
    this.#rendered = rowRange(total, this.#geometry);
    return this.#rendered;
  }

  /** True when the row at `index` (in display order) was in the last render. */
  isRendered(index: number): boolean {
    return index >= this.#rendered.start && index < this.#rendered.end;
  }

  hostUpdated(): void {
    const body = this.#body();
    const top = body?.rows[0];
    const bottom = body?.rows[body.rows.length - 1];
    if (!this.windowed || !top || !bottom) {
      this.#observe(undefined);
      return;
    }
    // Set through the CSSOM, not a style attribute, so a CSP without 'unsafe-inline' allows it.
    const height = this.#geometry?.rowHeight ?? ESTIMATED_ROW_HEIGHT;
    top.style.height = `${this.#rendered.start * height}px`;
    bottom.style.height = `${(this.#total - this.#rendered.end) * height}px`;
    this.#observe([top, bottom]);
  }

  hostDisconnected(): void {
    this.#observe(undefined);
  }

  /** Watches the spacers (new ones when the board became windowed again), or nothing. */
  #observe(spacers: [HTMLElement, HTMLElement] | undefined): void {
    if (spacers && this.#observed?.[0] === spacers[0] && this.#observed[1] === spacers[1]) return;
    this.#observer?.disconnect();
    this.#observer = undefined;
    this.#observed = spacers;
    if (!spacers) return;
    // rootMargin: measure a little before a spacer shows, so rows are usually ready in time.
    this.#observer = new IntersectionObserver(this.#measure, { rootMargin: '25% 0px' });
    for (const spacer of spacers) this.#observer.observe(spacer);
  }

  #measure = (): void => {
    const body = this.#body();
    if (!body || !this.windowed) return;
    const rows = body.rows;
    const count = rows.length - 2; // without the spacers
    let rowHeight = this.#geometry?.rowHeight ?? ESTIMATED_ROW_HEIGHT;
    if (count > 0) {
      const span = rows[count]!.getBoundingClientRect().bottom - rows[1]!.getBoundingClientRect().top;
      if (span > 0) rowHeight = span / count;
    }
    this.#geometry = { top: body.getBoundingClientRect().top, rowHeight, viewport: window.innerHeight };
    const next = rowRange(this.#total, this.#geometry);
    if (next.start !== this.#rendered.start || next.end !== this.#rendered.end) this.#host.requestUpdate();
  };
}
