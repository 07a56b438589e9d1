/**
 * `npm run bench:element:trace -- [element|naive-react|naive-lit|harness] [seconds]`: where a
 * board's main-thread time goes at 500 updates/s. Runs the steady phase of bench:element under
 * Chromium tracing and prints self time by trace event (Paint, UpdateLayoutTree, FunctionCall…).
 * `harness` is a page with no board: what the bench's own event source costs, the floor every
 * board pays. Tracing adds overhead: compare boards within one output, not with bench:element.
 */
import { launchChromium } from '../test/support/chromium.ts';
import { type Board, loadBoards } from './element/boards.ts';
import { loadBoard, openBoardPage } from './element/run-board.ts';
import { mainThreadSelfTime, type TraceEvent } from './element/trace-summary.ts';

const [name = 'element', secondsArg = '3'] = process.argv.slice(2);
const reducedMotion = process.argv.includes('--reduced-motion');
const seconds = Number(secondsArg);

/** A page that only parses the events: the harness's own cost. */
const harnessOnly: Board = {
  name: 'element',
  html:
    '<!doctype html><html lang="en"><body><div data-bench-board></div><script type="module">' +
    'new EventSource("/events").addEventListener("flightStateUpdate", (e) => JSON.parse(e.data));' +
    '</script></body></html>',
  scripts: {},
};

const boards = await loadBoards();
const board = name === 'harness' ? harnessOnly : boards.find((b) => b.name === name);
if (!board) throw new Error(`unknown board ${name}: one of harness, ${boards.map((b) => b.name).join(', ')}`);
const browser = await launchChromium();
try {
  const { page } = await openBoardPage(browser, board, reducedMotion);
  await loadBoard(page, 1000);
  await browser.startTracing(page, {
    categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'],
  });
  await page.evaluate((s) => window.__bench.steady(500, s), seconds);
  const trace = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] };
  const times = mainThreadSelfTime(trace.traceEvents);
  const total = times.reduce((sum, [, ms]) => sum + ms, 0);
  process.stdout.write(
    `${name}: ${seconds} s at 500 updates/s, main thread ${total.toFixed(1)} ms (traced)\n`,
  );
  for (const [event, ms] of times.slice(0, 15))
    process.stdout.write(`${event.padEnd(44)} ${ms.toFixed(1).padStart(8)}\n`);
} finally {
  await browser.close();
}
