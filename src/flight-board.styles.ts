import { css } from 'lit';

/**
 * Every colour is a `--flight-board-*` custom property with a light-dark() fallback; the private
 * `--_*` properties name each once, so the rules below are written once.
 */
export const styles = css`
  :host {
    --_bg: var(--flight-board-bg, light-dark(#f7f8fa, #10151c));
    --_color: var(--flight-board-color, light-dark(#1b2330, #f5f5f5));
    --_cell: var(--flight-board-cell-color, light-dark(#1b2330, #ffd23f));
    --_accent: var(--flight-board-accent, light-dark(#0b5cad, #ffd23f));
    --_muted: var(--flight-board-muted, light-dark(#4a5868, #9fb0c0));
    --_border: var(--flight-board-border, light-dark(#d5dbe3, #26303b));
    --_landed: var(--flight-board-landed, light-dark(#1a7f37, #5ad17a));
    --_landing: var(--flight-board-landing, light-dark(#0a5fb4, #5ab8ff));
    --_alert: var(--flight-board-alert, light-dark(#b42318, #ff6b5a));
    /* The user's scheme (prefers-color-scheme) picks each light-dark() default. */
    color-scheme: light dark;
    display: block;
    /* The layout follows the board's own width, not the page's (@container and cqi below). */
    container-type: inline-size;
    font-family: var(--flight-board-font, ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace);
    color: var(--_color);
    background: var(--_bg);
    border-radius: var(--flight-board-radius, 8px);
    padding: var(--flight-board-padding, 1rem);
  }
  :host([hidden]) {
    display: none;
  }
  .bar {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 1rem;
    margin-bottom: 0.75rem;
  }
  [part~='status'] {
    margin: 0;
    font-size: 0.85em;
    color: var(--_muted);
  }
  /* A coloured dot; the alternative text after the slash keeps it out of the accessible name. */
  [part~='status']::before {
    content: '● ' / '';
  }
  [data-status='live']::before {
    color: var(--_landed);
  }
  [data-status='error']::before,
  [data-status='closed']::before {
    color: var(--_alert);
  }
  table {
    width: 100%;
    border-collapse: collapse;
    table-layout: fixed;
    /* A large font on a board just wide enough for one line per flight shrinks with the board
       (cqi: 1% of its width), so four columns fit; the ch column widths below shrink with it. */
    font-size: min(1em, 4.2cqi);
    --_pad: min(0.75rem, 1.5cqi);
  }
  caption {
    text-align: start;
    font-size: 1.25em;
    font-weight: 700;
    letter-spacing: 0.1em;
    text-transform: uppercase;
    padding-bottom: 0.5rem;
    color: var(--_accent);
  }
  th,
  td {
    text-align: start;
    padding: 0.5rem var(--_pad);
    border-bottom: 1px solid var(--_border);
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
    color: var(--_cell);
  }
  /* Room for "ARRIVAL ▲" (5.6em: in a serif its capitals are wider than 9 digits) and a flight
     number; the state column for "cancelled". */
  thead th {
    padding: 0;
    width: calc(max(9ch, 5.6em) + 2 * var(--_pad));
  }
  th:nth-child(2) {
    width: auto;
  }
  th:last-child {
    width: calc(10ch + 2 * var(--_pad));
  }
  /* Rows are reused in place as the window moves: a row must not become the browser's scroll
     anchor, or the scroll would follow it when the spacer above it grows. */
  tbody {
    overflow-anchor: none;
  }
  /* Stand-ins for the rows a large board does not render (see row-window.ts). */
  .spacer td {
    padding: 0;
    border: 0;
  }
  [part~='sort'] {
    width: 100%;
    border: 0;
    padding: 0.5rem var(--_pad);
    text-align: start;
    font-size: 0.8em;
    letter-spacing: 0.1em;
    text-transform: uppercase;
    color: var(--_muted);
  }
  [part~='state'] {
    font-weight: 700;
  }
  [data-state='landed'] [part~='state'] {
    color: var(--_landed);
  }
  [data-state='landing'] [part~='state'] {
    color: var(--_landing);
  }
  [data-state='delayed'] [part~='state'],
  [data-state='cancelled'] [part~='state'] {
    color: var(--_alert);
  }
  /* A frame around the text, not a background: text keeps its contrast. Not animated (see flashes.ts). */
  .flash {
    outline: 2px solid var(--flight-board-flash, var(--_accent));
    outline-offset: 2px;
  }
  button {
    font: inherit;
    background: transparent;
    cursor: pointer;
  }
  [part~='button'] {
    padding: 0.35rem 0.9rem;
    border-radius: 4px;
    border: 1px solid var(--_accent);
    color: var(--_accent);
  }
  button:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  /* A narrow board (a phone): the origin under the flight, the state a badge, text at full size
     (shrunk only where even this would not fit). Grid places the cells; they stay a table's
     elements, so its rows, row headers and column headers are what assistive technology reads.
     Each row is two lines of fixed height, so every row has one height whatever the font or text. */
  @container (width < 28rem) {
    table {
      display: grid;
      /* Arrival and state as wide as their text, up to 35% and 40%: the flight keeps a quarter. */
      grid-template-columns: minmax(0, 1fr) fit-content(35%) fit-content(40%);
      /* Whole pixels: rows of a fractional height drift apart by rounding in some engines. */
      font-size: round(down, min(1em, 5.9cqi), 1px);
    }
    caption,
    thead,
    tbody,
    tr {
      grid-column: 1 / -1;
    }
    /* Every row on the table's columns, so the columns line up as a table's do. */
    thead,
    tbody,
    tr {
      display: grid;
      grid-template-columns: subgrid;
    }
    tr {
      grid-template-rows: 1.5em 1.5em;
      padding-block: 0.25em;
      border-bottom: 1px solid var(--_border);
    }
    .spacer {
      padding: 0;
      border: 0;
    }
    th,
    td {
      border: 0;
      padding-block: 0;
      line-height: 1.5em;
    }
    th[scope] {
      width: auto;
    }
    /* Line 1: flight, arrival, state; line 2: the origin, the whole row wide. */
    tr > * {
      grid-row: 1;
    }
    tr > :nth-child(2) {
      grid-area: 2 / 1 / 3 / -1;
    }
    td:nth-child(2) {
      font-size: 0.85em;
    }
    [part~='sort'] {
      display: block;
      padding-block: 0;
    }
    /* The badge keeps its frame whole; a word too long for it ends in an ellipsis inside. */
    [part~='state'] span:not(:empty) {
      display: inline-block;
      box-sizing: border-box;
      max-width: 100%;
      overflow: hidden;
      text-overflow: ellipsis;
      vertical-align: middle;
      font-size: 0.85em;
      line-height: 1.25;
      border: 1px solid;
      border-radius: 1em;
      padding: 0.1em 0.5em;
    }
    /* Hugging the badge, the flash stays inside the cell, which clips what overflows it. */
    .flash {
      outline-offset: 0;
    }
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
