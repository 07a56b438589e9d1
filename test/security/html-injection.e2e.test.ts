import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Flight } from '../../protocol/protocol.ts';
import { launchChromium } from '../support/chromium.ts';
import { api, TEST_TOKEN } from '../support/rest-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

// The element renders all server data as text: hostile markup in every field, sent through the
// REST API (where the rules allow text) and straight into the store (a compromised or foreign
// server can send anything), must show up as the literal text, create no element and run nothing.
// The page has no CSP, so nothing but the element's own rendering stands in the way.

// ---- helpers ---------------------------------------------------------------------------

/** Each payload, if it were parsed as HTML, would set `window.__xss`. */
const PAYLOADS = [
  '<img src=x onerror="window.__xss=(window.__xss||0)+1">',
  '<script>window.__xss=1</script>',
  '"><svg onload="window.__xss=1">',
  '\'><iframe srcdoc="<script>parent.__xss=1</script>">',
  '</td></tr><tr><td><img src=x onerror=window.__xss=1>',
  '<!--?lit$1234$--><img src=x onerror=window.__xss=1>',
  'x" onmouseover="window.__xss=1" data-x="',
  'javascript:window.__xss=1',
];

/** A page on the server's origin (answered by the browser's router, with no CSP) that shows the board. */
async function boardPage(browser: Browser, server: TestServer): Promise<Page> {
  const page = await browser.newPage();
  await page.route(`${server.url}/injection.html`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><meta charset="utf-8"><script type="module" src="/flight-board.js"></script>
        <flight-board src="/events"></flight-board>`,
    }),
  );
  await page.goto(`${server.url}/injection.html`);
  return page;
}

/** What the element's shadow DOM shows: its rows' cells as text, and any element a payload could create. */
async function rendered(
  page: Page,
): Promise<{ cells: string[][]; injected: string[]; attributes: string[] }> {
  return page.evaluate(() => {
    const root = document.querySelector('flight-board')?.shadowRoot;
    const rows = [...(root?.querySelectorAll('tbody tr') ?? [])];
    const all = [...(root?.querySelectorAll('*') ?? []), ...document.querySelectorAll('body *')];
    return {
      cells: rows.map((tr) => [...tr.querySelectorAll('th, td')].map((td) => td.textContent?.trim() ?? '')),
      injected: all
        .filter((el) =>
          ['IMG', 'SCRIPT', 'SVG', 'IFRAME', 'OBJECT', 'EMBED'].includes(el.tagName.toUpperCase()),
        )
        .filter(
          (el) =>
            el.closest('head') === null && !(el.tagName === 'SCRIPT' && el.parentElement === document.head),
        )
        .map((el) => el.outerHTML),
      attributes: all
        .flatMap((el) => [...el.attributes].map((a) => a.name))
        .filter((n) => n.startsWith('on')),
    };
  });
}

// ---- behaviour -------------------------------------------------------------------------

describe('<flight-board> renders server data as text (headless Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  before(async () => {
    server = await startTestServer({ token: TEST_TOKEN, heartbeatMs: 60_000 });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server.close();
  });

  test(`${PAYLOADS.length} markup payloads in every field (REST where allowed, the store for the rest) show as text and run nothing`, async () => {
    const expected: Flight[] = [];
    // Through REST: origin, state and an extra field are free text.
    for (const [i, payload] of PAYLOADS.entries()) {
      const flight = { flight: `R${i}`, origin: payload, arrival: '10:00', state: payload, note: payload };
      assert.equal((await api(server, 'POST', '/flights', { body: flight })).status, 201);
      expected.push(flight);
    }
    // Straight into the store: the key and the arrival too, as a foreign server could send them.
    for (const [i, payload] of PAYLOADS.entries()) {
      const flight = { flight: `${payload}#${i}`, origin: payload, arrival: payload, state: payload };
      await server.store.add(flight);
      expected.push(flight);
    }
    const page = await boardPage(browser, server);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    try {
      await page.waitForFunction(
        (count) =>
          document.querySelector('flight-board')?.shadowRoot?.querySelectorAll('tbody tr').length === count,
        expected.length,
        { timeout: 10_000 },
      );
      // Live events take the same path: a state update with a payload after the snapshot.
      await api(server, 'PATCH', '/flights/R0', { body: { state: PAYLOADS[0], origin: PAYLOADS[1] } });
      await api(server, 'POST', '/flights', {
        body: { flight: 'LIVE', origin: PAYLOADS[2], arrival: '11:00', state: PAYLOADS[3] },
      });
      expected[0] = {
        ...(expected[0] as Flight),
        state: PAYLOADS[0] as string,
        origin: PAYLOADS[1] as string,
      };
      expected.push({
        flight: 'LIVE',
        origin: PAYLOADS[2] as string,
        arrival: '11:00',
        state: PAYLOADS[3] as string,
      });
      await page.waitForFunction(
        (count) =>
          document.querySelector('flight-board')?.shadowRoot?.querySelectorAll('tbody tr').length === count,
        expected.length,
        { timeout: 5000 },
      );
      await page.waitForTimeout(300); // time for an onerror or onload to fire, if anything was parsed

      const { cells, injected, attributes } = await rendered(page);
      assert.deepEqual(injected, [], 'no element was created from server data');
      assert.deepEqual(attributes, [], 'no event-handler attribute exists');
      assert.equal(
        await page.evaluate(() => (window as { __xss?: unknown }).__xss),
        undefined,
        'no script ran',
      );
      const shown = new Set(cells.map((row) => JSON.stringify(row)));
      for (const f of expected) {
        const row = JSON.stringify([f.flight, f.origin, f.arrival, f.state].map((text) => text.trim()));
        assert.ok(shown.has(row), `the literal text of ${JSON.stringify(f.flight)} is shown: ${row}`);
      }
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });
});
