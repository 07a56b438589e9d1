// Takes the README's screenshot: the demo page, served by the real server with the
// simulator running, rendered by headless Chromium. Run with `npm run screenshot`.
import { Simulator } from '../server/simulator.ts';
import { launchChromium } from '../test/support/chromium.ts';
import { startTestServer } from '../test/support/test-server.ts';

const out = process.argv[2] ?? 'docs/screenshot.png';
const server = await startTestServer();
const simulator = new Simulator(server.store, { seed: 3, speed: 4 });
await simulator.start();
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
  await page.goto(`${server.url}/`);
  await page.locator('flight-board tbody tr').first().waitFor();
  await page.waitForTimeout(2500); // let a few states change so the board looks alive
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  simulator.stop();
  await browser.close();
  await server.close();
}
