// A click-through of the demo page in real Chromium against the real server: theme switch,
// the stream log, drop and replay, Stop/Resume, the operator panel, close and open; then the
// classic-script page.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { SEED_FLIGHTS } from '../server/simulator.ts';
import { launchChromium } from './support/chromium.ts';
import { api, TEST_TOKEN } from './support/rest-client.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

/** The board's rows as `flight=state`, in display order. */
function rowsOf(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const board = document.querySelector('flight-board');
    const rows = [...(board?.shadowRoot?.querySelectorAll('tbody tr') ?? [])];
    return rows.map((tr) => `${tr.getAttribute('data-flight')}=${tr.getAttribute('data-state')}`);
  });
}

/** Waits until the board has (or, with `present: false`, lacks) a row `flight=state`. */
async function waitForRow(page: Page, row: string, present = true): Promise<void> {
  await page.waitForFunction(
    ([wanted, present]) => {
      const board = document.querySelector('flight-board');
      const rows = [...(board?.shadowRoot?.querySelectorAll('tbody tr') ?? [])].map(
        (tr) => `${tr.getAttribute('data-flight')}=${tr.getAttribute('data-state')}`,
      );
      const flight = String(wanted).split('=')[0];
      return present ? rows.includes(String(wanted)) : !rows.some((r) => r.startsWith(`${flight}=`));
    },
    [row, present] as const,
    { timeout: 5000 },
  );
}

/** Waits for the element's connection status. */
async function waitForStatus(page: Page, status: string): Promise<void> {
  await page.waitForFunction((s) => document.querySelector('flight-board')?.status === s, status, {
    timeout: 5000,
  });
}

/**
 * The log's event entries, oldest first, as `n type` (with ` replayed` when marked): `n` is the
 * counter of the id (`<epoch>-<n>` in memory mode), so the tour reads as the events' order.
 */
function logOf(page: Page): Promise<string[]> {
  return page.$$eval('#log li.log__event', (items) =>
    items
      .map((li) => {
        const el = li as HTMLElement;
        const n = (el.dataset.id ?? '').replace(/^\d+-/, '');
        return `${n} ${el.dataset.type}${el.dataset.replayed ? ' replayed' : ''}`;
      })
      .reverse(),
  );
}

async function waitForLog(page: Page, entry: string): Promise<void> {
  await page.waitForFunction(
    (wanted) =>
      [...document.querySelectorAll<HTMLElement>('#log li.log__event')].some(
        (li) =>
          `${(li.dataset.id ?? '').replace(/^\d+-/, '')} ${li.dataset.type}${li.dataset.replayed ? ' replayed' : ''}` ===
          wanted,
      ),
    entry,
    { timeout: 5000 },
  );
}

/** The operator panel's answer line once it shows `status`. */
async function waitForResult(page: Page, status: number): Promise<string> {
  const result = page.locator('#result');
  await page.waitForFunction((s) => document.getElementById('result')?.dataset.status === String(s), status, {
    timeout: 5000,
  });
  return (await result.textContent()) ?? '';
}

describe('the demo page, clicked through in headless Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    // A longer retry than the default test pace, so the test can write while the page is away.
    server = await startTestServer({ token: TEST_TOKEN, retryMs: 1500 });
    for (const flight of SEED_FLIGHTS) await server.store.add({ ...flight });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      // A CSP violation shows as a console error: the page must need none of it.
      // The 403 of the wrong-token test is expected; Chromium logs every failed fetch.
      if (message.type() === 'error' && !message.text().includes('status of 403')) {
        problems.push(`console: ${message.text()}`);
      }
    });
    await page.goto(`${server.url}/`);
    await waitForStatus(page, 'live');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('shows the seed flights, and the log shows the snapshot with its id', async () => {
    await page.waitForFunction(
      () => document.querySelector('flight-board')?.shadowRoot?.querySelectorAll('tbody tr').length === 6,
    );
    assert.deepEqual(
      (await rowsOf(page)).map((r) => r.split('=')[0]),
      SEED_FLIGHTS.map((f) => f.flight),
    );
    await waitForLog(page, `${SEED_FLIGHTS.length} flightSnapshot`);
  });

  test('the theme switch restyles the board through its custom properties and parts', async () => {
    const look = () =>
      page.evaluate(() => {
        const board = document.querySelector('flight-board')!;
        const cell = board.shadowRoot!.querySelector('td')!;
        return {
          background: getComputedStyle(board).backgroundColor,
          cellColor: getComputedStyle(cell).color,
          transform: getComputedStyle(cell).textTransform,
        };
      });
    assert.deepEqual(await look(), {
      background: 'rgb(5, 6, 7)', // --flight-board-bg
      cellColor: 'rgb(255, 210, 63)', // --flight-board-cell-color
      transform: 'uppercase', // ::part(cell)
    });
    await page.getByRole('radio', { name: 'Light' }).check();
    assert.deepEqual(await look(), {
      background: 'rgb(255, 255, 255)',
      cellColor: 'rgb(27, 35, 48)',
      transform: 'none',
    });
    await page.getByRole('radio', { name: 'Dark' }).check();
    assert.equal((await look()).background, 'rgb(22, 27, 34)');
    await page.getByRole('radio', { name: 'Airport' }).check();
    assert.equal((await look()).background, 'rgb(5, 6, 7)');
  });

  test('the operator panel adds and updates a flight; the board and the log show each event', async () => {
    await page.locator('#token').fill(TEST_TOKEN);
    const add = page.locator('#add-form');
    await add.getByLabel('Flight').fill('K100');
    await add.getByLabel('From').fill('Oslo');
    await add.getByLabel('Arrival').fill('11:40');
    await add.getByLabel('State').selectOption('scheduled');
    await add.getByRole('button', { name: 'Add' }).click();
    assert.match(await waitForResult(page, 201), /POST \/flights → 201/);
    await waitForRow(page, 'K100=scheduled');
    await waitForLog(page, '7 flightAdded');

    const update = page.locator('#update-form');
    await update.getByLabel('Flight').fill('K100');
    await update.getByLabel('State').selectOption('landing');
    await update.getByRole('button', { name: 'Update' }).click();
    assert.match(await waitForResult(page, 200), /PATCH \/flights\/K100 → 200/);
    await waitForRow(page, 'K100=landing');
    await waitForLog(page, '8 flightStateUpdate');
  });

  test('a wrong token is refused and the page says why', async () => {
    await page.locator('#token').fill('not-the-token');
    await page.locator('#remove-form').getByLabel('Flight').fill('K100');
    await page.locator('#remove-form').getByRole('button', { name: 'Remove' }).click();
    assert.match(await waitForResult(page, 403), /DELETE \/flights\/K100 → 403/);
    await waitForRow(page, 'K100=landing');
    await page.locator('#token').fill(TEST_TOKEN);
  });

  test('drop the connection: the board recovers through Last-Event-ID and the log shows the replayed ids', async () => {
    await page.getByRole('button', { name: 'Drop the connection' }).click();
    await waitForResult(page, 204);
    await waitForStatus(page, 'reconnecting');
    // While the page waits out `retry:`, the server moves on.
    assert.equal((await api(server, 'PATCH', '/flights/K100', { body: { state: 'landed' } })).status, 200);
    assert.equal((await api(server, 'PATCH', '/flights/A123', { body: { state: 'delayed' } })).status, 200);

    await waitForLog(page, '10 flightStateUpdate replayed');
    await waitForStatus(page, 'live');
    await waitForRow(page, 'K100=landed');
    await waitForRow(page, 'A123=delayed');
    const log = await logOf(page);
    assert.deepEqual(log.slice(-3), [
      '8 flightStateUpdate',
      '9 flightStateUpdate replayed',
      '10 flightStateUpdate replayed',
    ]);
    assert.ok(
      !log.slice(1).some((entry) => entry.endsWith('flightSnapshot')),
      `a replay, not a second snapshot: ${log.join(', ')}`,
    );
    const notes = await page.locator('#log li.log__note').allTextContents();
    assert.ok(
      notes.some((n) => /Last-Event-ID: \d+-8\b/.test(n)),
      `the log says which id the browser resumed from: ${notes.join(' | ')}`,
    );

    // A live event after the replay is not marked.
    await api(server, 'PATCH', '/flights/A123', { body: { state: 'landing' } });
    await waitForLog(page, '11 flightStateUpdate');
  });

  test("the element's Stop and Resume: nothing arrives while stopped, Resume catches up", async () => {
    const board = page.locator('flight-board');
    await board.getByRole('button', { name: 'Stop' }).click();
    await waitForStatus(page, 'stopped');
    assert.equal((await api(server, 'PATCH', '/flights/I768', { body: { state: 'cancelled' } })).status, 200);
    await waitForLog(page, '12 flightStateUpdate'); // the log's own stream is still live
    assert.ok((await rowsOf(page)).includes('I768=scheduled'), 'a stopped board does not change');
    await board.getByRole('button', { name: 'Resume' }).click();
    await waitForStatus(page, 'live');
    await waitForRow(page, 'I768=cancelled');
  });

  test('the operator panel removes a flight', async () => {
    const remove = page.locator('#remove-form');
    await remove.getByLabel('Flight').fill('K100');
    await remove.getByRole('button', { name: 'Remove' }).click();
    assert.match(await waitForResult(page, 204), /DELETE \/flights\/K100 → 204/);
    await waitForRow(page, 'K100=landed', false);
    await waitForLog(page, '13 flightRemoval');
  });

  test('close the stream: the board shows "closed" and stays so; open again brings it back', async () => {
    await page.getByRole('button', { name: 'Close the stream' }).click();
    await waitForResult(page, 204);
    await waitForStatus(page, 'closed');
    await waitForLog(page, '13 closedConnection');
    // The property changes with the event; the text at the board's next frame: wait for it.
    await page
      .locator('flight-board')
      .locator('[part="status"]', { hasText: 'Closed by server' })
      .waitFor({ timeout: 5000 });

    await page.getByRole('button', { name: 'Open again' }).click();
    await waitForResult(page, 204);
    await waitForStatus(page, 'live');
    await api(server, 'PATCH', '/flights/G119', { body: { state: 'on time' } });
    await waitForRow(page, 'G119=on time');
    await waitForLog(page, '14 flightStateUpdate');
  });

  test('the page logged no error and no CSP violation', () => {
    assert.deepEqual(problems, []);
  });

  test('the classic-script page: the IIFE bundle renders the board and its events reach a classic script', async () => {
    const classic = await browser.newPage();
    const errors: string[] = [];
    classic.on('pageerror', (error) => errors.push(error.message));
    classic.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    try {
      await classic.goto(`${server.url}/classic.html`);
      const scripts = await classic.$$eval('script', (list) =>
        list.map((s) => ({ src: s.getAttribute('src'), type: s.type })),
      );
      assert.ok(
        scripts.every((s) => s.type === '' && s.src),
        'classic scripts only, no inline code',
      );
      await waitForStatus(classic, 'live');
      await classic.waitForFunction(
        () => document.querySelector('flight-board')?.shadowRoot?.querySelectorAll('tbody tr').length === 6,
      );
      await api(server, 'PATCH', '/flights/D654', { body: { state: 'landed' } });
      await classic.waitForFunction(() =>
        /latest: D654 updated \(landed\)/.test(document.getElementById('changes')?.textContent ?? ''),
      );
      assert.equal(
        await classic.evaluate(() => typeof (window as { FlightBoard?: unknown }).FlightBoard),
        'object',
      );
      assert.deepEqual(errors, []);
    } finally {
      await classic.close();
    }
  });
});
