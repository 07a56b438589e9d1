import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Board } from './boards.ts';

const HARNESS = fileURLToPath(new URL('./page-harness.js', import.meta.url));
const ORIGIN = 'http://bench.local';

export interface Workload {
  rows: number;
  burst: number;
  burstPerTask: number;
  rate: number;
  seconds: number;
  probeSeconds: number;
  probeEvery: number;
}

interface PhaseWindow {
  started: number;
  ended: number;
}

interface PageStats {
  renders: number;
  maxRendersPerFrame: number;
  framesWithRender: number;
  longTasks: number;
  longestTaskMs: number;
}

export interface PhaseResult extends PageStats {
  updates: number;
  durationMs: number;
  mainThreadMs: number;
  mainThreadMsPerUpdate: number;
  scriptMs: number;
  layoutAndStyleMs: number;
  rendersPerSec: number;
  framesPerSec: number;
}

export interface BoardResult {
  name: string;
  burst: PhaseResult;
  steady: PhaseResult;
  eventToPaintMs: { p50: number; p99: number; max: number; samples: number; unseen: number };
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

/** A fresh 1280×800 page that serves `board` and runs the bench harness before any script. */
export async function openBoardPage(
  browser: Browser,
  board: Board,
  reducedMotion = false,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    reducedMotion: reducedMotion ? 'reduce' : 'no-preference',
  });
  const page = await context.newPage();
  await page.addInitScript({ path: HARNESS });
  await page.route(`${ORIGIN}/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    const script = board.scripts[path];
    if (path === '/') return route.fulfill({ contentType: 'text/html', body: board.html });
    if (script !== undefined) return route.fulfill({ contentType: 'text/javascript', body: script });
    return route.fulfill({ status: 404, body: '' });
  });
  page.on('pageerror', (error) =>
    process.stderr.write(`[${board.name}] page error: ${error.stack ?? error.message}\n`),
  );
  return { context, page };
}

/** Loads the page and gives the board its snapshot of `rows` flights. */
export async function loadBoard(page: Page, rows: number): Promise<void> {
  await page.goto(`${ORIGIN}/`);
  await page.evaluate(() => window.__bench.ready());
  await page.evaluate((n) => window.__bench.snapshot(n), rows);
  await page.waitForTimeout(500);
}

/** Runs the workload on one board in a fresh page: snapshot, burst, steady rate, then probes. */
export async function runBoard(
  browser: Browser,
  board: Board,
  w: Workload,
  reducedMotion = false,
): Promise<BoardResult> {
  const { context, page } = await openBoardPage(browser, board, reducedMotion);
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const metrics = async () => {
      const { metrics: list } = await cdp.send('Performance.getMetrics');
      const get = (name: string) => (list.find((m) => m.name === name)?.value ?? 0) * 1000;
      return {
        task: get('TaskDuration'),
        script: get('ScriptDuration'),
        layoutAndStyle: get('LayoutDuration') + get('RecalcStyleDuration'),
      };
    };
    await loadBoard(page, w.rows);

    const measure = async (updates: number, run: () => Promise<PhaseWindow>): Promise<PhaseResult> => {
      const before = await metrics();
      const frames0 = await page.evaluate(() => window.__bench.frames());
      const span = await run();
      const now = await page.evaluate(() => window.__bench.now());
      const after = await metrics();
      const frames1 = await page.evaluate(() => window.__bench.frames());
      const stats = await page.evaluate(({ from, to }) => window.__bench.stats(from, to), {
        from: span.started,
        to: now,
      });
      const durationMs = span.ended - span.started;
      const mainThreadMs = after.task - before.task;
      return {
        ...stats,
        updates,
        durationMs: round(durationMs, 1),
        mainThreadMs: round(mainThreadMs, 1),
        mainThreadMsPerUpdate: round(mainThreadMs / updates, 4),
        scriptMs: round(after.script - before.script, 1),
        layoutAndStyleMs: round(after.layoutAndStyle - before.layoutAndStyle, 1),
        rendersPerSec: round((stats.renders / (now - span.started)) * 1000, 1),
        framesPerSec: round(((frames1 - frames0) / (now - span.started)) * 1000, 1),
      };
    };
    const burst = await measure(w.burst, () =>
      page.evaluate(({ n, per }) => window.__bench.burst(n, per), { n: w.burst, per: w.burstPerTask }),
    );
    await page.waitForTimeout(300);
    const steady = await measure(Math.round(w.rate * w.seconds), () =>
      page.evaluate(({ rate, s }) => window.__bench.steady(rate, s), { rate: w.rate, s: w.seconds }),
    );
    await page.waitForTimeout(300);
    const probe = await page.evaluate(({ rate, s, every }) => window.__bench.probe(rate, s, every), {
      rate: w.rate,
      s: w.probeSeconds,
      every: w.probeEvery,
    });
    const sorted = [...probe.latencies].sort((a, b) => a - b);
    return {
      name: board.name,
      burst,
      steady,
      eventToPaintMs: {
        p50: round(percentile(sorted, 0.5), 1),
        p99: round(percentile(sorted, 0.99), 1),
        max: round(sorted.at(-1) ?? Number.NaN, 1),
        samples: sorted.length,
        unseen: probe.unseen,
      },
    };
  } finally {
    await context.close();
  }
}
