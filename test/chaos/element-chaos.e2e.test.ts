import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Flight } from '../../protocol/protocol.ts';
import { launchChromium } from '../support/chromium.ts';
import { api, TEST_TOKEN } from '../support/rest-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { chaosWrites } from './event-writer.ts';
import { chaosSeed, SeededRandom, withSeed } from './seeded-random.ts';

// <flight-board> in real Chromium while thousands of events go out and the server keeps cutting
// its streams (ending them all, or destroying single sockets mid-write): the browser reconnects
// with Last-Event-ID, and at the end every board shows exactly the server's board.

// ---- helpers ---------------------------------------------------------------------------

const BOARDS = 4; // Chromium allows 6 connections per host over HTTP/1.1: leave room for the page
const EVENTS = 3000;

interface Row {
  flight: string;
  origin: string;
  arrival: string;
  state: string;
}

/** A page with `BOARDS` boards on the server's origin, counting what each element reports. */
async function boardsPage(browser: Browser, server: TestServer): Promise<Page> {
  const page = await browser.newPage();
  await page.route(`${server.url}/chaos.html`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><meta charset="utf-8"><script type="module" src="/flight-board.js"></script>
        ${'<flight-board src="/events"></flight-board>'.repeat(BOARDS)}
        <script>
          window.reports = { snapshots: 0, changes: 0, ignored: [] };
          for (const board of document.querySelectorAll('flight-board')) {
            board.addEventListener('flight-board-snapshot', () => window.reports.snapshots++);
            board.addEventListener('flight-board-change', () => window.reports.changes++);
            board.addEventListener('flight-board-ignored', (e) => window.reports.ignored.push(e.reason + ' ' + e.data));
          }
        </script>`,
    }),
  );
  await page.goto(`${server.url}/chaos.html`);
  return page;
}

/** Every board's rows as the shadow DOM shows them (data attributes and cell text), sorted by flight. */
function renderedBoards(page: Page): Promise<Row[][]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('flight-board')].map((board) =>
      [...(board.shadowRoot?.querySelectorAll('tbody tr[data-flight]') ?? [])]
        .map((tr) => {
          const [flight, origin, arrival, state] = [...tr.querySelectorAll('th, td')].map(
            (td) => td.textContent?.trim() ?? '',
          );
          if (flight !== tr.getAttribute('data-flight') || state !== tr.getAttribute('data-state')) {
            throw new Error(`row ${flight}: data attributes disagree with the cells`);
          }
          return { flight: flight ?? '', origin: origin ?? '', arrival: arrival ?? '', state: state ?? '' };
        })
        .sort((a, b) => a.flight.localeCompare(b.flight)),
    ),
  );
}

function rowsOf(flights: readonly Flight[]): Row[] {
  return flights
    .map(({ flight, origin, arrival, state }) => ({ flight, origin, arrival, state: state.trim() }))
    .sort((a, b) => a.flight.localeCompare(b.flight));
}

// ---- behaviour -------------------------------------------------------------------------

test(`<flight-board> ×${BOARDS} in Chromium through ${EVENTS} events with the server cutting its streams ends showing the server board`, async (t) => {
  const seed = chaosSeed(20261126);
  const rng = new SeededRandom(seed);
  const server = await startTestServer({
    token: TEST_TOKEN,
    historySize: 1000,
    retryMs: 50,
    heartbeatMs: 60_000,
  });
  const streams = new Set<Socket>();
  const resumes = { withId: 0, fresh: 0 };
  server.server.on('request', (req) => {
    if (!req.url?.startsWith('/events')) return;
    if (req.headers['last-event-id'] || req.url.includes('lastEventId=')) resumes.withId++;
    else resumes.fresh++;
    streams.add(req.socket);
    req.socket.once('close', () => streams.delete(req.socket));
  });
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await boardsPage(browser, server);
    await page.waitForFunction(
      (n) => (window as unknown as { reports: { snapshots: number } }).reports.snapshots >= n,
      BOARDS,
      { timeout: 10_000 },
    );
    const faults = { allEnded: 0, socketsDestroyed: 0 };
    await withSeed(seed, async () => {
      let index = 0;
      for (const write of chaosWrites(rng, EVENTS)) {
        if (write.kind === 'add') await server.store.add(write.flight);
        else if (write.kind === 'update') await server.store.update(write.update);
        else await server.store.remove(write.flight);
        index++;
        if (rng.chance(1 / 150)) {
          faults.allEnded++;
          server.hub.endAll(); // a clean end without closedConnection: the browser reconnects
        }
        if (rng.chance(1 / 40) && streams.size > 0) {
          faults.socketsDestroyed++;
          rng.pick([...streams]).destroy(); // cut wherever the writes are, mid-event included
        }
        if (index % rng.int(1, 10) === 0) await new Promise((resolve) => setTimeout(resolve, rng.int(1, 6)));
      }
      const { flights } = (await api(server, 'GET', '/flights')).body as { flights: Flight[] };
      const expected = rowsOf(flights);
      const deadline = Date.now() + 20_000;
      let boards = await renderedBoards(page);
      while (
        boards.some((rows) => JSON.stringify(rows) !== JSON.stringify(expected)) &&
        Date.now() < deadline
      ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        boards = await renderedBoards(page);
      }
      for (const [i, rows] of boards.entries())
        assert.deepEqual(rows, expected, `board ${i} shows the server board`);
      const reports = await page.evaluate(
        () =>
          (window as unknown as { reports: { snapshots: number; changes: number; ignored: string[] } })
            .reports,
      );
      assert.deepEqual(
        reports.ignored,
        [],
        'no event was ignored (an update for an unknown flight means a gap)',
      );
      assert.ok(resumes.withId > 20, `the browser resumed with its last id ${resumes.withId} times`);
      // Every event reaches every board once: with no resync, exactly one change per event per board.
      if (reports.snapshots === BOARDS)
        assert.equal(reports.changes, BOARDS * EVENTS, 'no duplicate, no gap');
      else assert.ok(reports.changes <= BOARDS * EVENTS, `${reports.changes} changes: a duplicate`);
      assert.ok(
        reports.snapshots < BOARDS + resumes.withId / 2,
        `most resumes replayed instead of resyncing (${reports.snapshots} snapshots)`,
      );
      t.diagnostic(`seed ${seed}: ${JSON.stringify({ events: EVENTS, ...faults, ...resumes, ...reports })}`);
    });
    await page.close();
  } finally {
    await browser?.close();
    await server.close();
  }
});
