// Takes the README's screenshot: the demo page, served by the real server with the simulator
// running, rendered by headless Chromium, after a dropped connection so the log shows a replay.
// Then the board alone at 320 px and 1280 px, light and dark (docs/board-<width>-<scheme>.png).
// Run with `npm run screenshot` (optionally: an output path for the first), after `npm run build`.
import { randomUUID } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { Simulator } from '../server/simulator.ts';
import { launchChromium } from '../test/support/chromium.ts';
import { startTestServer } from '../test/support/test-server.ts';

// The server serves the bundle its build copied (server/dist/public/): one older than the element's
// sources would photograph the previous look, and nothing else would say so.
const served = 'server/dist/public/flight-board.iife.js';
const builtAt = statSync(served, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const newer = readdirSync('src').filter(
  (name) => !name.endsWith('.test.ts') && statSync(`src/${name}`).mtimeMs > builtAt,
);
if (newer.length) {
  console.error(`${served} is missing or older than src/ (${newer.join(', ')}): run \`npm run build\` first`);
  process.exit(1);
}

const out = process.argv[2] ?? 'docs/screenshot.png';
const token = randomUUID();
const server = await startTestServer({ token, retryMs: 1000 });
const simulator = new Simulator(server.store, { seed: 3, speed: 4 });
await simulator.start();
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  await page.goto(`${server.url}/`);
  await page.locator('flight-board tbody tr').first().waitFor();
  await page.waitForTimeout(2500); // let a few states change so the board looks alive
  await page.locator('#token').fill(token);
  await page.getByRole('button', { name: 'Drop the connection' }).click();
  await page.locator('#log li[data-replayed]').first().waitFor({ timeout: 10_000 });
  await page.waitForTimeout(1500);
  await page.evaluate(() => window.scrollTo(0, 0)); // the click scrolled the operator panel into view
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
  // The board alone, on the plain page, as a phone and a desktop show it, in both colour schemes.
  for (const width of [320, 1280]) {
    for (const colorScheme of ['light', 'dark'] as const) {
      const board = await browser.newPage({ viewport: { width, height: 900 }, colorScheme });
      await board.goto(`${server.url}/classic.html`);
      await board.locator('flight-board tbody tr').first().waitFor();
      await board.waitForTimeout(500);
      const path = `docs/board-${width}-${colorScheme}.png`;
      await board.locator('flight-board').screenshot({ path });
      console.log(`wrote ${path}`);
      await board.close();
    }
  }
} finally {
  simulator.stop();
  await browser.close();
  await server.close();
}
