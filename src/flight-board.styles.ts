import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    font-family: var(--flight-board-font, ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace);
    color: var(--flight-board-color, #f5f5f5);
    background: var(--flight-board-bg, #10151c);
    border-radius: var(--flight-board-radius, 8px);
    padding: var(--flight-board-padding, 1rem);
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
    color: var(--flight-board-accent, #ffd23f);
  }
  th,
  td {
    text-align: start;
    padding: 0.5rem 0.75rem;
    border-bottom: 1px solid var(--flight-board-border, #26303b);
  }
  th {
    font-size: 0.8em;
    letter-spacing: 0.1em;
    text-transform: uppercase;
    color: var(--flight-board-muted, #9fb0c0);
  }
  td {
    color: var(--flight-board-cell-color, #ffd23f);
  }
  [part~='state'] {
    font-weight: 700;
  }
  tr[data-state='landed'] [part~='state'] {
    color: var(--flight-board-landed, #5ad17a);
  }
  tr[data-state='landing'] [part~='state'] {
    color: var(--flight-board-landing, #5ab8ff);
  }
  tr[data-state='delayed'] [part~='state'],
  tr[data-state='cancelled'] [part~='state'] {
    color: var(--flight-board-alert, #ff6b5a);
  }
  [part~='status'] {
    font-size: 0.85em;
    color: var(--flight-board-muted, #9fb0c0);
  }
  button {
    font: inherit;
    padding: 0.35rem 0.9rem;
    border-radius: 4px;
    border: 1px solid var(--flight-board-accent, #ffd23f);
    background: transparent;
    color: var(--flight-board-accent, #ffd23f);
    cursor: pointer;
  }
  button:focus-visible {
    outline: 2px solid var(--flight-board-accent, #ffd23f);
    outline-offset: 2px;
  }
`;
