// Takes the README's screenshot: the demo page, served by the real server with the simulator
// running, rendered by headless Chromium, after a dropped connection so the log shows a replay.
// Run with `npm run screenshot` (optionally: an output path).
import { randomUUID } from 'node:crypto';
import { Simulator } from '../server/simulator.ts';
import { launchChromium } from '../test/support/chromium.ts';
import { startTestServer } from '../test/support/test-server.ts';

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
} finally {
  simulator.stop();
  await browser.close();
  await server.close();
}
