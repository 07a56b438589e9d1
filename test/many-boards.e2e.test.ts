// Eight boards on one page: the SSE question every forum asks. Over HTTP/1.1 a browser opens at
// most six connections per origin, and each stream holds one for good: the seventh board never
// connects. Over HTTP/2 every board is a stream of one connection.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.ts';
import { api, TEST_TOKEN } from './support/rest-client.ts';
import { startTestServer, type TestProtocol, type TestServer } from './support/test-server.ts';

const BOARDS = 8;

/** A page of eight boards on the server's origin (the page itself is served by the test). */
async function pageOfBoards(browser: Browser, server: TestServer): Promise<Page> {
  const page = await browser.newPage();
  const html = [
    '<!doctype html><meta charset="utf-8"><title>eight boards</title>',
    '<script type="module" src="/flight-board.js"></script>',
    ...Array.from(
      { length: BOARDS },
      (_, i) => `<flight-board heading="Board ${i + 1}" src="/events"></flight-board>`,
    ),
  ].join('\n');
  await page.route(`${server.url}/boards.html`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: html }),
  );
  await page.goto(`${server.url}/boards.html`);
  return page;
}

/** The `status` of every board on the page, in order. */
function statuses(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('flight-board')].map((el) => (el as unknown as { status: string }).status),
  );
}

/** The flights each board shows, in order. */
function rows(page: Page): Promise<string[][]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('flight-board')].map((el) =>
      [...(el.shadowRoot?.querySelectorAll('tbody tr') ?? [])].map(
        (tr) => tr.getAttribute('data-flight') ?? '',
      ),
    ),
  );
}

async function eventually<T>(
  what: string,
  read: () => Promise<T>,
  holds: (value: T) => boolean,
  timeoutMs = 8000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!holds(value)) {
    if (Date.now() > deadline)
      assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

async function startBoardServer(protocol: TestProtocol): Promise<TestServer> {
  const server = await startTestServer({ token: TEST_TOKEN, retryMs: 200 }, { protocol });
  await server.store.add({ flight: 'A123', origin: 'London', arrival: '08:15', state: '' });
  return server;
}

describe('eight boards on one page in Chromium', () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium(['--ignore-certificate-errors']);
  });
  after(() => browser?.close());

  test('over HTTP/2, all eight are live at once, and each resumes after a drop with its last id', async () => {
    const server = await startBoardServer('h2');
    try {
      const page = await pageOfBoards(browser, server);
      await eventually(
        'eight live boards',
        () => statuses(page),
        (s) => s.filter((x) => x === 'live').length === BOARDS,
      );
      assert.equal(server.hub.clientCount, BOARDS);
      const protocolOfBundle = await page.evaluate(
        () =>
          (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((e) =>
            e.name.endsWith('/flight-board.js'),
          )?.nextHopProtocol,
      );
      assert.equal(protocolOfBundle, 'h2', 'the page talks HTTP/2 to the server');

      const replaysBefore = server.hub.stats.replays;
      assert.equal((await api(server, 'POST', '/drop')).status, 204);
      assert.equal(server.hub.clientCount, 0, 'every stream dropped');
      // While they are away: an event each must get in its replay.
      assert.equal(
        (
          await api(server, 'POST', '/flights', {
            body: { flight: 'D654', origin: 'Berlin', arrival: '08:45' },
          })
        ).status,
        201,
      );
      await eventually(
        'eight live boards again',
        () => statuses(page),
        (s) => s.filter((x) => x === 'live').length === BOARDS,
      );
      await eventually(
        'the missed flight on every board',
        () => rows(page),
        (r) => r.every((flights) => flights.includes('D654')),
      );
      assert.equal(
        server.hub.stats.replays - replaysBefore,
        BOARDS,
        'each resumed from its Last-Event-ID, none from a snapshot',
      );
      await page.close();
    } finally {
      await server.close();
    }
  });

  test('over HTTP/1.1, six connect and the seventh cannot (six connections per origin)', async () => {
    const server = await startBoardServer('http/1.1');
    try {
      const page = await pageOfBoards(browser, server);
      await eventually(
        'six live boards',
        () => statuses(page),
        (s) => s.filter((x) => x === 'live').length === 6,
      );
      await new Promise((resolve) => setTimeout(resolve, 1500)); // time enough for a seventh
      const final = await statuses(page);
      assert.equal(final.filter((x) => x === 'live').length, 6, JSON.stringify(final));
      assert.notEqual(final[6], 'live', 'the seventh board is not live');
      assert.equal(server.hub.clientCount, 6);
      await page.close();
    } finally {
      await server.close();
    }
  });
});
