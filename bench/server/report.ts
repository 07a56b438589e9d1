import type { BenchResults, MatrixCell, ReplayResult } from './results.ts';

const fmt = (n: number | undefined, digits = 2) =>
  n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(digits);

function cell(results: BenchResults, server: string, clients: number, rate: number | 'saturation') {
  return results.cells.find((c) => c.server === server && c.clients === clients && c.rate === rate);
}

/** The cell the targets call heaviest: most clients at the highest rate. */
export function heaviestCell(results: BenchResults): { clients: number; rate: number } | undefined {
  const measured = results.cells.filter((c): c is MatrixCell & { rate: number } => c.rate !== 'saturation');
  const top = measured.sort((a, b) => b.clients * b.rate - a.clients * a.rate)[0];
  return top && { clients: top.clients, rate: top.rate };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};

/**
 * Median over the storm rounds of live p99 ÷ the calm baseline's p99 just before: for the
 * reference's replay storm, and for the baseline under the same connections.
 */
export function stormRatios(replay: ReplayResult): { replay: number; connect: number } {
  return {
    replay: median(replay.rounds.map((r) => r.replayP99 / r.calmP99)),
    connect: median(replay.rounds.map((r) => r.connectP99 / r.calmP99)),
  };
}

/** The matrix as a fixed-width table, one row per cell and server, with ratios to the baseline. */
export function matrixTable(results: BenchResults): string {
  const lines = [
    'server         C       rate  deliveries/s  ×base   p50 ms   p99 ms  ×base    max ms  CPU µs/deliv  ×base',
  ];
  for (const c of results.cells) {
    const base = cell(results, 'baseline', c.clients, c.rate);
    lines.push(
      [
        c.server.padEnd(10),
        String(c.clients).padStart(5),
        String(c.rate).padStart(10),
        String(c.deliveriesPerSec).padStart(13),
        fmt(base && c.deliveriesPerSec / base.deliveriesPerSec).padStart(6),
        fmt(c.latencyMs.p50, 1).padStart(8),
        fmt(c.latencyMs.p99, 1).padStart(8),
        fmt(base && c.latencyMs.p99 / base.latencyMs.p99).padStart(6),
        fmt(c.latencyMs.max, 1).padStart(9),
        fmt(c.cpuMicrosPerDelivery).padStart(13),
        fmt(base && c.cpuMicrosPerDelivery / base.cpuMicrosPerDelivery).padStart(6),
      ].join(' '),
    );
  }
  const baseMemory = results.memory.find((m) => m.name === 'baseline');
  lines.push('', 'server      idle RSS MB   KB/conn  ×base    held  connect p50/p99 ms (last step)');
  for (const m of results.memory) {
    const last = m.ramp.at(-1);
    lines.push(
      [
        m.name.padEnd(10),
        fmt(m.rssIdleKb / 1024, 1).padStart(12),
        fmt(m.kbPerConnection).padStart(9),
        fmt(baseMemory && m.kbPerConnection / baseMemory.kbPerConnection).padStart(6),
        String(m.heldAfterRamp).padStart(7),
        `${fmt(last?.connectMs.p50, 1)}/${fmt(last?.connectMs.p99, 1)}`.padStart(12),
      ].join(' '),
    );
  }
  return lines.join('\n');
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

/** The issue's targets, as ratios within this run. */
export function checkTargets(results: BenchResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const heavy = heaviestCell(results);
  const at = (server: string, clients: number, rate: number) => cell(results, server, clients, rate);
  if (heavy) {
    const ref = at('reference', heavy.clients, heavy.rate);
    const base = at('baseline', heavy.clients, heavy.rate);
    const peer = at('better-sse', heavy.clients, heavy.rate);
    if (ref && base) {
      const ratio = ref.cpuMicrosPerDelivery / base.cpuMicrosPerDelivery;
      checks.push({
        target: `server CPU per delivery ≤ 1.25× baseline (C=${heavy.clients} × ${heavy.rate}/s)`,
        measured: `${fmt(ref.cpuMicrosPerDelivery)} vs ${fmt(base.cpuMicrosPerDelivery)} µs = ${fmt(ratio)}×`,
        met: ratio <= 1.25,
      });
    }
    if (ref && peer) {
      const ratio = peer.cpuMicrosPerDelivery / ref.cpuMicrosPerDelivery;
      checks.push({
        target: 'server CPU per delivery ≥ 1.7× lower than better-sse',
        measured: `${fmt(peer.cpuMicrosPerDelivery)} / ${fmt(ref.cpuMicrosPerDelivery)} µs = ${fmt(ratio)}×`,
        met: ratio >= 1.7,
      });
    }
  }
  const satRef = at('reference', 5000, 100);
  const satBase = at('baseline', 5000, 100);
  if (satRef && satBase) {
    const ratio = satRef.deliveriesPerSec / satBase.deliveriesPerSec;
    checks.push({
      target: 'deliveries/s at 5000 × 100/s (saturated) ≥ 0.9× baseline',
      measured: `${satRef.deliveriesPerSec} vs ${satBase.deliveriesPerSec} = ${fmt(ratio)}×`,
      met: ratio >= 0.9,
    });
  }
  const p99Ref = at('reference', 1000, 100);
  const p99Base = at('baseline', 1000, 100);
  if (p99Ref && p99Base) {
    const ratio = p99Ref.latencyMs.p99 / p99Base.latencyMs.p99;
    checks.push({
      target: 'p99 latency at 1000 × 100/s ≤ 1.5× baseline',
      measured: `${fmt(p99Ref.latencyMs.p99)} vs ${fmt(p99Base.latencyMs.p99)} ms = ${fmt(ratio)}×`,
      met: ratio <= 1.5,
    });
  }
  const replay = results.replay;
  if (replay) {
    const ratios = stormRatios(replay);
    checks.push({
      target:
        `live p99 (${replay.liveClients} × ${replay.rate}/s) while ${replay.replayClients + replay.replayFailed} ` +
        `clients reconnect ${replay.behind} events behind ≤ 1.5× baseline p99 (no storm), all reconnected`,
      measured:
        `${fmt(ratios.replay)}× (median of ${replay.rounds.length} rounds: ` +
        `${replay.rounds.map((r) => `${fmt(r.replayP99, 0)}/${fmt(r.calmP99, 0)}`).join(', ')} ms); ` +
        `the baseline under the same connections ${fmt(ratios.connect)}×; ` +
        `${replay.replayFailed} failed, reconnect p99 ${fmt(replay.replayConnectMs.p99, 0)} ms`,
      met: ratios.replay <= 1.5 && replay.replayFailed === 0,
    });
  }
  const refMemory = results.memory.find((m) => m.name === 'reference');
  const baseMemory = results.memory.find((m) => m.name === 'baseline');
  if (refMemory && baseMemory) {
    const ratio = refMemory.kbPerConnection / baseMemory.kbPerConnection;
    checks.push({
      target: 'memory per idle connection ≤ 1.2× baseline',
      measured: `${fmt(refMemory.kbPerConnection)} vs ${fmt(baseMemory.kbPerConnection)} KB = ${fmt(ratio)}×`,
      met: ratio <= 1.2,
    });
    checks.push({
      target: '19,000 idle connections held',
      measured: `${refMemory.heldAfterRamp} held`,
      met: refMemory.heldAfterRamp >= 19_000,
    });
  }
  return checks;
}

export function targetsTable(checks: TargetCheck[]): string {
  return checks.map((c) => `${c.met ? 'MET   ' : 'MISSED'}  ${c.target}: ${c.measured}`).join('\n');
}
