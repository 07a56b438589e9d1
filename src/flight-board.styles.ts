import { css } from 'lit';

/**
 * Every colour is a `--flight-board-*` custom property with a fallback; the private `--_*`
 * properties pick the light or dark fallback once, so the rules below are written once.
 */
export const styles = css`
  :host {
    --_bg: var(--flight-board-bg, #f7f8fa);
    --_color: var(--flight-board-color, #1b2330);
    --_cell: var(--flight-board-cell-color, #1b2330);
    --_accent: var(--flight-board-accent, #0b5cad);
    --_muted: var(--flight-board-muted, #4a5868);
    --_border: var(--flight-board-border, #d5dbe3);
    --_landed: var(--flight-board-landed, #1a7f37);
    --_landing: var(--flight-board-landing, #0a5fb4);
    --_alert: var(--flight-board-alert, #b42318);
    color-scheme: light;
    display: block;
    font-family: var(--flight-board-font, ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace);
    color: var(--_color);
    background: var(--_bg);
    border-radius: var(--flight-board-radius, 8px);
    padding: var(--flight-board-padding, 1rem);
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_bg: var(--flight-board-bg, #10151c);
      --_color: var(--flight-board-color, #f5f5f5);
      --_cell: var(--flight-board-cell-color, #ffd23f);
      --_accent: var(--flight-board-accent, #ffd23f);
      --_muted: var(--flight-board-muted, #9fb0c0);
      --_border: var(--flight-board-border, #26303b);
      --_landed: var(--flight-board-landed, #5ad17a);
      --_landing: var(--flight-board-landing, #5ab8ff);
      --_alert: var(--flight-board-alert, #ff6b5a);
      color-scheme: dark;
    }
  }
  :host([hidden]) {
    display: none;
  }
  header {
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
  [part~='status']::before {
    content: '';
    display: inline-block;
    width: 0.6em;
    height: 0.6em;
    margin-inline-end: 0.5em;
    border-radius: 50%;
    background: var(--_muted);
  }
  [data-status='live']::before {
    background: var(--_landed);
  }
  [data-status='error']::before,
  [data-status='closed']::before {
    background: var(--_alert);
  }
  table {
    width: 100%;
    border-collapse: collapse;
  }
  caption {
    text-align: start;
    font-size: 1.25em;
    font-weight: 700;
    letter-spacing: 0.08em;
    text-transform: uppercase;
    padding-bottom: 0.5rem;
    color: var(--_accent);
  }
  th,
  td {
    text-align: start;
    padding: 0.5rem 0.75rem;
    border-bottom: 1px solid var(--_border);
  }
  th {
    padding: 0;
  }
  /* Stand-ins for the rows a large board does not render (see row-window.ts). */
  .spacer td {
    padding: 0;
    border: 0;
  }
  [part~='sort'] {
    width: 100%;
    border: 0;
    padding: 0.5rem 0.75rem;
    text-align: start;
    font-size: 0.8em;
    letter-spacing: 0.1em;
    text-transform: uppercase;
    color: var(--_muted);
  }
  td {
    color: var(--_cell);
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
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
