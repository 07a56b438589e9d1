/**
 * `node --import tsx bench/results-markdown.ts [--write]`: the committed results as Markdown
 * tables; with `--write`, put them into docs/performance.md between its `<!-- bench:server -->`
 * and `<!-- bench:element -->` markers, so the numbers there are the ones in bench/results/.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { BoardResult } from './element/run-board.ts';
import { checkTargets } from './server/report.ts';
import type { BenchResults } from './server/results.ts';

const RESULTS = new URL('./results/', import.meta.url);
const DOC = new URL('../docs/performance.md', import.meta.url);
let out: string[] = [];
const sections: Record<string, string> = {};
const fmt = (n: number | undefined, digits = 2) =>
  n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits);
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? 'n/a' : `${fmt(a / b)}×`;

function readJson<T>(name: string): T | undefined {
  const url = new URL(name, RESULTS);
  return existsSync(url) ? (JSON.parse(readFileSync(url, 'utf8')) as T) : undefined;
}

const server = readJson<BenchResults>('server.json');
if (server) {
  out.push(
    `Server run of ${server.startedAt.slice(0, 16)}Z, ${server.durationS} s, load average ${server.loadavg.start.join(' ')} → ${server.loadavg.end.join(' ')}.`,
    '',
    '| server | C | events/s | deliveries/s | × baseline | p50 ms | p99 ms | × baseline | max ms | CPU µs/delivery | × baseline |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  );
  for (const c of server.cells) {
    const base = server.cells.find(
      (b) => b.server === 'baseline' && b.clients === c.clients && b.rate === c.rate,
    );
    out.push(
      `| ${c.server} | ${c.clients} | ${c.rate} | ${c.deliveriesPerSec} | ${ratio(c.deliveriesPerSec, base?.deliveriesPerSec)} | ${fmt(c.latencyMs.p50, 1)} | ${fmt(c.latencyMs.p99, 1)} | ${ratio(c.latencyMs.p99, base?.latencyMs.p99)} | ${fmt(c.latencyMs.max, 1)} | ${fmt(c.cpuMicrosPerDelivery)} | ${ratio(c.cpuMicrosPerDelivery, base?.cpuMicrosPerDelivery)} |`,
    );
  }
  const baseMemory = server.memory.find((m) => m.name === 'baseline');
  out.push(
    '',
    '| server | idle RSS MB | KB per idle connection | × baseline | streams held | connect p50 / p99 ms (last step) |',
    '|---|--:|--:|--:|--:|--:|',
  );
  for (const m of server.memory) {
    const last = m.ramp.at(-1);
    out.push(
      `| ${m.name} | ${fmt(m.rssIdleKb / 1024, 1)} | ${fmt(m.kbPerConnection)} | ${ratio(m.kbPerConnection, baseMemory?.kbPerConnection)} | ${m.heldAfterRamp} | ${fmt(last?.connectMs.p50, 1)} / ${fmt(last?.connectMs.p99, 1)} |`,
    );
  }
  if (server.replay) {
    const r = server.replay;
    out.push(
      '',
      `Replay: ${r.replayClients} clients (${r.replayFailed} failed) reconnecting at once, ${r.behind} events behind, while ${r.liveClients} live clients get ${r.rate} events/s: live p50 ${r.liveLatencyMs.p50} ms, p99 ${r.liveLatencyMs.p99} ms, max ${r.liveLatencyMs.max} ms (the median round). Live p99 in each round, in ms: the baseline without a storm just before / the reference during the replay storm / the baseline while the same clients connect afresh: ${r.rounds.map((x) => `${x.calmP99} / ${x.replayP99} / ${x.connectP99}`).join('; ')}.`,
    );
  }
  out.push('', '| target | measured | |', '|---|---|---|');
  for (const t of checkTargets(server))
    out.push(`| ${t.target} | ${t.measured} | ${t.met ? 'met' : '**missed**'} |`);
}

sections.server = out.join('\n');
out = [];

interface ElementOutput {
  startedAt: string;
  loadavg: { start: number[]; end: number[] };
  results: BoardResult[];
  targets: { target: string; measured: string; met: boolean }[];
  bundle: { raw: number; gzip: number; budget: number };
}
const element = readJson<ElementOutput>('element.json');
if (element) {
  out.push(
    `Element run of ${element.startedAt.slice(0, 16)}Z, load average ${element.loadavg.start.join(' ')}; bundle ${fmt(element.bundle.gzip / 1024)} KB gzip.`,
    '',
    '| board | phase | updates | main-thread ms | ms per update | of which script ms | style+layout ms | renders/s | max renders per frame | frames/s | long tasks (longest ms) |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  );
  for (const r of element.results) {
    for (const [phase, p] of [
      ['burst', r.burst],
      ['500/s', r.steady],
    ] as const) {
      out.push(
        `| ${r.name} | ${phase} | ${p.updates} | ${fmt(p.mainThreadMs, 0)} | ${fmt(p.mainThreadMsPerUpdate, 3)} | ${fmt(p.scriptMs, 0)} | ${fmt(p.layoutAndStyleMs, 0)} | ${fmt(p.rendersPerSec, 1)} | ${p.maxRendersPerFrame} | ${fmt(p.framesPerSec, 0)} | ${p.longTasks} (${fmt(p.longestTaskMs, 0)}) |`,
      );
    }
  }
  out.push('', '| board | event → painted row p50 ms | p99 ms | max ms |', '|---|--:|--:|--:|');
  for (const r of element.results) {
    const e = r.eventToPaintMs;
    out.push(`| ${r.name} | ${e.p50} | ${e.p99} | ${e.max} |`);
  }
  out.push('', '| target | measured | |', '|---|---|---|');
  for (const t of element.targets)
    out.push(`| ${t.target} | ${t.measured} | ${t.met ? 'met' : '**missed**'} |`);
}
sections.element = out.join('\n');

if (process.argv.includes('--write')) {
  let doc = readFileSync(DOC, 'utf8');
  for (const [name, text] of Object.entries(sections)) {
    const start = `<!-- bench:${name} -->`;
    const end = `<!-- /bench:${name} -->`;
    const from = doc.indexOf(start);
    const to = doc.indexOf(end);
    if (from === -1 || to === -1) throw new Error(`docs/performance.md has no ${start} … ${end} markers`);
    doc = `${doc.slice(0, from + start.length)}\n${text}\n${doc.slice(to)}`;
  }
  writeFileSync(DOC, doc);
} else {
  process.stdout.write(`${sections.server}\n\n${sections.element}\n`);
}
