// The demo page's wiring: theme switch, the stream log and the operator panel.
import { operatorPanel } from './operator.js';
import { streamLog } from './stream-log.js';

const board = document.getElementById('board');

// Themes are only `--flight-board-*` custom properties and `::part` rules in demo.css,
// selected by `data-theme` on <html>: nothing reaches inside the element.
for (const radio of document.querySelectorAll('#theme input[name="theme"]')) {
  radio.addEventListener('change', () => {
    if (radio.checked) document.documentElement.dataset.theme = radio.value;
  });
}

const log = streamLog(document.getElementById('log'), '/events');
document.getElementById('log-clear').addEventListener('click', () => log.clear());

operatorPanel({
  board,
  log,
  result: document.getElementById('result'),
  token: document.getElementById('token'),
});
