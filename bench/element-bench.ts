/**
 * `npm run bench:element [-- --quick]`: <flight-board> against two naive boards in headless
 * Chromium, fed the same events by a stubbed EventSource (no network): a 1,000-row board,
 * a burst of 10,000 updates, then 500 updates/s for 10 s. See docs/performance.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { launchChromium } from '../test/support/chromium.ts';
import { loadBoards } from './element/boards.ts';
import { type BoardResult, runBoard, type Workload } from './element/run-board.ts';
import { bundleSize, describeBundleSize } from './support/bundle-size.ts';
import { loadAverage } from './support/proc-stats.ts';

const quick = process.argv.includes('--quick');
/** `--bundle=<file>`: measure another build of the element (e.g. a candidate fix) instead of dist/. */
/** `--reduced-motion`: run with prefers-reduced-motion (no flash animation), to show what it costs. */
const reducedMotion = process.argv.includes('--reduced-motion');
const bundleArg = process.argv.find((a) => a.startsWith('--bundle='))?.slice('--bundle='.length);
const workload: Workload = quick
  ? { rows: 1000, burst: 2000, burstPerTask: 100, rate: 500, seconds: 3, probeSeconds: 2, probeEvery: 25 }
  : { rows: 1000, burst: 10_000, burstPerTask: 100, rate: 500, seconds: 10, probeSeconds: 4, probeEvery: 25 };
const log = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number, digits = 3) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function table(results: BoardResult[]): string {
  const lines = [
    'board        phase   updates  ms main thread  ms/update  renders/s  max renders/frame  fps  long tasks (longest ms)',
  ];
  for (const r of results) {
    for (const [phase, p] of [
      ['burst', r.burst],
      ['steady', r.steady],
    ] as const) {
      lines.push(
        [
          r.name.padEnd(12),
          phase.padEnd(7),
          String(p.updates).padStart(7),
          fmt(p.mainThreadMs, 1).padStart(14),
          fmt(p.mainThreadMsPerUpdate, 4).padStart(10),
          fmt(p.rendersPerSec, 1).padStart(10),
          String(p.maxRendersPerFrame).padStart(18),
          fmt(p.framesPerSec, 0).padStart(4),
          `${p.longTasks} (${fmt(p.longestTaskMs, 0)})`.padStart(12),
        ].join(' '),
      );
    }
    const e = r.eventToPaintMs;
    lines.push(
      `${r.name.padEnd(12)} event → painted row: p50 ${e.p50} ms, p99 ${e.p99} ms, max ${e.max} ms (${e.samples} probes, ${e.unseen} unseen)`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const size = bundleSize();
  if (!size) throw new Error('dist/cdn/flight-board.js is not built: run `npm run build` first');
  log(`bench:element${quick ? ' --quick' : ''}: load average ${loadAverage().join(' ')}`);
  log(describeBundleSize(size));
  const loadStart = loadAverage();
  const boards = await loadBoards(bundleArg);
  if (bundleArg) log(`element bundle: ${bundleArg}`);
  const browser = await launchChromium();
  const results: BoardResult[] = [];
  try {
    log(
      `Chromium ${browser.version()}; workload ${JSON.stringify(workload)}${reducedMotion ? '; prefers-reduced-motion' : ''}`,
    );
    for (const board of boards) {
      log(`${board.name}: running…`);
      results.push(await runBoard(browser, board, workload, reducedMotion));
    }
  } finally {
    await browser.close();
  }
  const element = results.find((r) => r.name === 'element');
  if (!element || results.length < 2) throw new Error('a board did not run');
  const perUpdate = (r: BoardResult) =>
    (r.burst.mainThreadMs + r.steady.mainThreadMs) / (r.burst.updates + r.steady.updates);
  /** How many times more main-thread time per update `naive` needs than the element. */
  const ratios = Object.fromEntries(
    results
      .filter((r) => r !== element)
      .map((naive) => [
        naive.name,
        {
          burst: naive.burst.mainThreadMsPerUpdate / element.burst.mainThreadMsPerUpdate,
          steady: naive.steady.mainThreadMsPerUpdate / element.steady.mainThreadMsPerUpdate,
          overall: perUpdate(naive) / perUpdate(element),
        },
      ]),
  );
  const maxPerFrame = Math.max(element.burst.maxRendersPerFrame, element.steady.maxRendersPerFrame);
  const targets = [
    ...Object.entries(ratios).map(([name, r]) => ({
      target: `≥ 10× less main-thread time per update than ${name} (burst + steady)`,
      measured:
        `${fmt(perUpdate(element), 4)} vs ${fmt(perUpdate(results.find((b) => b.name === name)!), 4)} ms = ` +
        `${fmt(r.overall, 1)}× (burst ${fmt(r.burst, 1)}×, ${workload.rate}/s ${fmt(r.steady, 1)}×)`,
      met: r.overall >= 10,
    })),
    {
      target: `no long task at ${workload.rate} updates/s`,
      measured: `${element.steady.longTasks} long tasks (longest ${fmt(element.steady.longestTaskMs, 0)} ms)`,
      met: element.steady.longTasks === 0,
    },
    {
      target: 'at most one render per animation frame',
      measured: `max ${maxPerFrame} per frame`,
      met: maxPerFrame <= 1,
    },
  ];
  const output = {
    kind: 'element',
    quick,
    startedAt: new Date(started).toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    loadavg: { start: loadStart, end: loadAverage() },
    workload,
    reducedMotion,
    elementBundle: bundleArg ?? 'dist/cdn/flight-board.js',
    bundle: size,
    results,
    ratios,
    targets,
  };
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const name = bundleArg ? 'element-candidate' : quick ? 'element-quick' : 'element';
  writeFileSync(new URL(`${name}.json`, dir), `${JSON.stringify(output, null, 2)}\n`);
  log('');
  log(table(results));
  log('');
  for (const t of targets) log(`${t.met ? 'MET   ' : 'MISSED'}  ${t.target}: ${t.measured}`);
  log('');
  log(`load average after: ${loadAverage().join(' ')}; took ${output.durationS} s`);
  log(describeBundleSize(size));
  log(`results: bench/results/${name}.json`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:element failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
