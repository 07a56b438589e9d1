import type { Histogram } from '../support/histogram.ts';
import { cpuMicros } from '../support/proc-stats.ts';
import type { ClientPool } from './client-pool.ts';
import type { Publisher } from './publisher.ts';
import type { CellResult, LatencySummary } from './results.ts';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export function summarize(histogram: Histogram): LatencySummary {
  return {
    p50: round(histogram.percentile(0.5) / 1000, 3),
    p99: round(histogram.percentile(0.99) / 1000, 3),
    max: round(histogram.max / 1000, 3),
  };
}

export interface CellRun {
  publisher: Publisher;
  pool: ClientPool;
  pid: number;
  rate: number | 'saturation';
  warmMs: number;
  windowMs: number;
  saturationDepth: number;
}

/**
 * One cell: publish at `rate` (or closed loop), let it settle for `warmMs`, then count what the
 * clients received and what CPU the server used during `windowMs`.
 */
export async function measureCell(run: CellRun): Promise<CellResult> {
  const { publisher, pool, pid, rate } = run;
  if (rate === 'saturation') publisher.startClosedLoop(run.saturationDepth);
  else publisher.startOpenLoop(rate);
  await sleep(run.warmMs);
  publisher.resetStats();
  pool.windowStart();
  const cpuBefore = cpuMicros(pid);
  const started = performance.now();
  await sleep(run.windowMs);
  const cpuAfter = cpuMicros(pid);
  const elapsedMs = performance.now() - started;
  const window = await pool.windowEnd();
  const published = { ...publisher.stats };
  await publisher.stop();
  await sleep(300);
  const seconds = elapsedMs / 1000;
  const cpu = cpuAfter - cpuBefore;
  return {
    clients: pool.size,
    rate,
    windowMs: Math.round(elapsedMs),
    publishesPerSec: round(published.acknowledged / seconds, 1),
    skippedPublishes: published.skipped,
    deliveriesPerSec: Math.round(window.deliveries / seconds),
    expectedDeliveriesPerSec: Math.round((published.acknowledged * pool.size) / seconds),
    latencyMs: summarize(window.latency),
    serverCpuPercent: round((cpu / (elapsedMs * 1000)) * 100, 1),
    cpuMicrosPerDelivery: window.deliveries ? round(cpu / window.deliveries) : Number.NaN,
    dropped: window.dropped,
  };
}

/** Of several rounds of the same cell, the least disturbed: most deliveries/s, then lowest p99. */
export function leastDisturbed(rounds: CellResult[]): CellResult {
  return [...rounds].sort(
    (a, b) =>
      Math.round((b.deliveriesPerSec - a.deliveriesPerSec) / (0.01 * Math.max(a.deliveriesPerSec, 1))) ||
      a.latencyMs.p99 - b.latencyMs.p99,
  )[0]!;
}

export function describeCell(name: string, cell: CellResult): string {
  const rate = cell.rate === 'saturation' ? 'saturation' : `${cell.rate}/s`;
  return (
    `${name.padEnd(10)} C=${cell.clients} ${rate}: ${cell.deliveriesPerSec} deliveries/s ` +
    `(expected ${cell.expectedDeliveriesPerSec}), p50 ${cell.latencyMs.p50} p99 ${cell.latencyMs.p99} ` +
    `max ${cell.latencyMs.max} ms, CPU ${cell.serverCpuPercent}% = ${cell.cpuMicrosPerDelivery} µs/delivery` +
    `${cell.skippedPublishes ? `, ${cell.skippedPublishes} writes skipped (saturated)` : ''}` +
    `${cell.dropped ? `, ${cell.dropped} streams dropped` : ''}`
  );
}
