/**
 * `npm run bench:server [-- --quick]`: the reference server, a minimal node:http baseline and
 * better-sse, on the same workload in one run. See docs/performance.md for what is measured.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { ClientPool } from './server/client-pool.ts';
import { runMatrix } from './server/matrix.ts';
import { memoryRamp } from './server/memory-ramp.ts';
import { FULL_PLAN, QUICK_PLAN } from './server/plan.ts';
import { checkTargets, matrixTable, targetsTable } from './server/report.ts';
import type { BenchResults } from './server/results.ts';
import { serverChart } from './server/server-chart.ts';
import { TARGETS } from './server/targets.ts';
import { bundleSize, describeBundleSize } from './support/bundle-size.ts';
import { fileLimit, loadAverage, pinProcess } from './support/proc-stats.ts';

const RESULTS = new URL('./results/', import.meta.url);
const quick = process.argv.includes('--quick');
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const plan = quick ? QUICK_PLAN : FULL_PLAN;
const cpus = availableParallelism();
// Server on core 0, the load generator (this process, the publisher and the client workers) on the rest.
const serverCpus = '0';
const generatorCpus = cpus > 1 ? `1-${cpus - 1}` : '0';
const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const started = Date.now();
  const limit = fileLimit();
  if (limit.soft < 19_100 && plan.ramp.some((c) => c >= 19_000)) {
    throw new Error(`ulimit -n is ${limit.soft}: 19,000 streams need about 19,100 (run \`ulimit -n 20000\`)`);
  }
  pinProcess(process.pid, generatorCpus);
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  log(`bench:server${quick ? ' --quick' : ''}: ${cpus} cores (${cpuModel}), Node ${process.version}`);
  log(
    `load average ${loadAverage().join(' ')}; ulimit -n ${limit.soft}; server on CPU ${serverCpus}, generator on CPU ${generatorCpus}`,
  );
  log(describeBundleSize());

  const targets = TARGETS.filter((t) => !only || only.includes(t.name));
  const loadStart = loadAverage();
  log('\n1. memory: idle streams on a fresh process of each server, one at a time');
  const memory = [];
  const rampPool = new ClientPool(2, generatorCpus); // two processes: each stays under its fd limit
  try {
    await rampPool.ready();
    for (const target of targets) memory.push(await memoryRamp(target, plan.ramp, rampPool, serverCpus, log));
  } finally {
    rampPool.stop();
  }
  // `--memory-only`: the ramp alone, a quick check of memory per connection.
  const memoryOnly = process.argv.includes('--memory-only');
  if (!memoryOnly) {
    log(
      `\n2. fan-out matrix: all servers up, cells measured back to back (${plan.rounds} rounds, order alternating)`,
    );
  }
  const { cells, replay } = memoryOnly
    ? { cells: [], replay: undefined }
    : await runMatrix(targets, plan, { server: serverCpus, generator: generatorCpus }, log);
  const results: BenchResults = {
    kind: 'server',
    quick,
    startedAt: new Date(started).toISOString(),
    durationS: 0,
    machine: { cpus, node: process.version, fileLimit: limit, cpuModel },
    pinning: { server: serverCpus, generator: generatorCpus },
    loadavg: { start: loadStart, end: loadAverage() },
    bundle: bundleSize(),
    memory,
    cells,
    replay,
  };
  results.durationS = Math.round((Date.now() - started) / 1000);
  mkdirSync(RESULTS, { recursive: true });
  const candidate = process.argv.some((a) => a.startsWith('--reference-entry='));
  const name = candidate ? 'server-candidate' : quick || memoryOnly ? 'server-quick' : 'server';
  writeFileSync(new URL(`${name}.json`, RESULTS), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(new URL(`${name}.svg`, RESULTS), serverChart(results));
  log('');
  log(matrixTable(results));
  log('');
  log(targetsTable(checkTargets(results)));
  log('');
  log(`load average after: ${loadAverage().join(' ')}; took ${results.durationS} s`);
  log(describeBundleSize());
  log(`results: bench/results/${name}.json, chart: bench/results/${name}.svg`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:server failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
