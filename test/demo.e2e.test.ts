import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { SEED_FLIGHTS, Simulator } from '../server/simulator.ts';
import { launchChromium } from './support/chromium.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

describe('the demo page in headless Chromium', () => {
  let server: TestServer;
  let simulator: Simulator;
  let browser: Browser;

  before(async () => {
    server = await startTestServer();
    // Real demo pace: the issue promises a visible change within 10 s at the default speed.
    simulator = new Simulator(server.store, { seed: 1, speed: 1 });
    await simulator.start();
    browser = await launchChromium();
  });
  after(async () => {
    simulator.stop();
    await browser?.close();
    await server.close();
  });

  test('shows the six seed flights, then a row changes state within 10 s without a reload', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${server.url}/`);
    const rows = page.locator('flight-board tbody tr');
    await rows.first().waitFor({ timeout: 5000 });
    const first = await rows.evaluateAll((trs) =>
      trs.map((tr) => ({ flight: tr.getAttribute('data-flight'), state: tr.getAttribute('data-state') })),
    );
    assert.deepEqual(
      first.map((r) => r.flight),
      SEED_FLIGHTS.map((f) => f.flight),
    );
    const before = JSON.stringify(first);
    await page.waitForFunction(
      (initial) => {
        const board = document.querySelector('flight-board');
        const trs = [...(board?.shadowRoot?.querySelectorAll('tbody tr') ?? [])];
        const now = trs.map((tr) => ({
          flight: tr.getAttribute('data-flight'),
          state: tr.getAttribute('data-state'),
        }));
        return JSON.stringify(now) !== initial;
      },
      before,
      { timeout: 10_000 },
    );
    assert.deepEqual(errors, []);
    await page.close();
  });

  for (const path of ['/', '/classic.html']) {
    test(`${path} fits phones and desktops: no horizontal overflow at 320, 390, 768 and 1280 px`, async () => {
      for (const width of [320, 390, 768, 1280]) {
        const page = await browser.newPage({ viewport: { width, height: 800 } });
        await page.goto(`${server.url}${path}`);
        await page.locator('flight-board tbody tr').first().waitFor({ timeout: 5000 });
        const sizes = await page.evaluate(() => {
          const board = document.querySelector('flight-board')!;
          const table = board.shadowRoot!.querySelector('table')!;
          return {
            page: document.documentElement.scrollWidth,
            board: board.getBoundingClientRect().right,
            table: table.getBoundingClientRect().right,
          };
        });
        assert.ok(sizes.page <= width, `${path} at ${width} px is ${sizes.page} px wide`);
        assert.ok(
          sizes.table <= sizes.board,
          `${path} at ${width} px: the table overflows the board ${JSON.stringify(sizes)}`,
        );
        await page.close();
      }
    });
  }
});
