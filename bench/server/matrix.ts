import { monotonicMicros } from '../support/monotonic.ts';
import { loadAverage } from '../support/proc-stats.ts';
import { ClientPool, STORM_NICENESS } from './client-pool.ts';
import { describeCell, leastDisturbed, measureCell, round, sleep, summarize } from './measure.ts';
import type { BenchPlan } from './plan.ts';
import { Publisher } from './publisher.ts';
import type { CellResult, MatrixCell, ReplayResult, StormResult } from './results.ts';
import { ServerProcess } from './server-process.ts';
import type { ServerTarget } from './targets.ts';

/** One server under test with its own live clients and publisher. */
export interface Contender {
  target: ServerTarget;
  server: ServerProcess;
  pool: ClientPool;
  publisher: Publisher;
}

/**
 * The matrix with every server up at once, each with its own C clients: each cell is measured
 * for every server back to back, in rounds of alternating order (ABC, CBA), so the machine's
 * other load falls on all of them alike. The least disturbed round is the cell's result.
 */
export async function runMatrix(
  targets: readonly ServerTarget[],
  plan: BenchPlan,
  cpus: { server: string; generator: string },
  log: (line: string) => void,
): Promise<{ cells: MatrixCell[]; replay: ReplayResult | undefined }> {
  const contenders: Contender[] = [];
  const replayPool = new ClientPool(1, cpus.generator, STORM_NICENESS);
  try {
    for (const target of targets) {
      const server = await ServerProcess.start(target, cpus.server);
      const pool = new ClientPool(2, cpus.generator);
      const publisher = new Publisher(server.port, target.publish);
      contenders.push({ target, server, pool, publisher });
      await pool.ready();
      for (let i = 0; i < 200; i++) await publisher.publish();
    }
    await replayPool.ready();
    const cells: MatrixCell[] = [];
    let replay: ReplayResult | undefined;
    for (const clients of plan.clients) {
      for (const c of contenders) {
        const connected = await c.pool.connect(
          { port: c.server.port, path: '/events' },
          clients - c.pool.size,
        );
        if (connected.failed)
          log(`${c.target.name}: ${connected.failed} streams failed (${connected.firstError})`);
      }
      await sleep(500);
      const rates: (number | 'saturation')[] = [...plan.rates];
      if (clients === plan.saturation.clients) rates.push('saturation');
      for (const rate of rates) {
        const loadavg = loadAverage();
        const rounds = new Map<string, MatrixCell['rounds']>(contenders.map((c) => [c.target.name, []]));
        for (let r = 0; r < plan.rounds; r++) {
          const order = r % 2 === 0 ? contenders : [...contenders].reverse();
          for (const c of order) {
            const result = await measureContender(c, plan, rate);
            rounds.get(c.target.name)?.push(result);
            log(describeCell(c.target.name, result));
          }
        }
        for (const [name, results] of rounds) {
          cells.push({ server: name, loadavg, ...leastDisturbed(results), rounds: results });
        }
      }
      const reference = contenders.find((c) => c.target.name === 'reference');
      const baseline = contenders.find((c) => c.target.name === 'baseline');
      if (reference && baseline && plan.replay && clients === plan.replay.live) {
        const rounds: StormRound[] = [];
        for (let r = 0; r < plan.replay.rounds; r++) {
          const round = await measureStormRound({
            reference,
            baseline,
            replayPool,
            plan,
            referenceFirst: r % 2 === 0,
          });
          rounds.push(round);
          log(describeStormRound(round));
        }
        replay = medianRound(rounds);
      }
    }
    return { cells, replay };
  } finally {
    replayPool.stop();
    for (const c of contenders) {
      c.publisher.close();
      c.pool.stop();
      await c.server.stop();
    }
  }
}

/** One cell of `plan` at `rate` on `c`'s server, with its own clients and publisher. */
export function measureContender(
  c: Contender,
  plan: BenchPlan,
  rate: CellResult['rate'],
): Promise<CellResult> {
  return measureCell({
    publisher: c.publisher,
    pool: c.pool,
    pid: c.server.pid,
    rate,
    warmMs: plan.warmMs,
    windowMs: plan.windowMs,
    saturationDepth: plan.saturation.depth,
  });
}

/** The live p99s of one storm round (ms), all with the same live clients and publishing rate. */
export interface StormRound {
  /** The baseline without a storm, measured just before. */
  calmP99: number;
  /** The reference while the storm's clients resume `behind` events behind. */
  replayP99: number;
  /** The baseline while the same clients connect afresh: it has nothing to replay. */
  connectP99: number;
  replay: StormResult;
}

/**
 * One round of the replay step. Live p99 over a few seconds at 10 events/s is set by the
 * slowest one or two events, so a storm is compared with a calm baseline measured moments
 * before, not with the matrix's cell minutes earlier; and with the baseline under the same
 * connections, which shows the part of the cost that is Node's own per-connection work.
 */
export async function measureStormRound(run: {
  reference: Contender;
  baseline: Contender;
  replayPool: ClientPool;
  plan: BenchPlan;
  referenceFirst: boolean;
}): Promise<StormRound> {
  const { reference, baseline, replayPool, plan } = run;
  const calm = await measureContender(baseline, plan, plan.replay!.rate);
  const storms = [
    () => measureReplay(reference, replayPool, plan),
    () => measureReplay(baseline, replayPool, plan, { resume: false }),
  ];
  if (!run.referenceFirst) storms.reverse();
  const first = await storms[0]!();
  const second = await storms[1]!();
  const [replay, connect] = run.referenceFirst ? [first, second] : [second, first];
  return {
    calmP99: calm.latencyMs.p99,
    replayP99: replay.liveLatencyMs.p99,
    connectP99: connect.liveLatencyMs.p99,
    replay,
  };
}

function describeStormRound(r: StormRound): string {
  const s = r.replay;
  return (
    `storm: baseline calm p99 ${r.calmP99} ms; reference replaying ${s.behind} events to ${s.replayClients} clients ` +
    `(${s.replayFailed} failed${s.firstError ? `: ${s.firstError}` : ''}, connect p99 ${s.replayConnectMs.p99} ms): ` +
    `live p99 ${r.replayP99} ms = ${round(r.replayP99 / r.calmP99)}×; baseline, same connections: ${r.connectP99} ms = ${round(r.connectP99 / r.calmP99)}×`
  );
}

/**
 * The round with the median ratio of the replay storm's live p99 to the calm baseline's, with
 * every round's p99s. One storm is at the mercy of whatever else the machine does for its few
 * hundred ms; the median of a few is not.
 */
function medianRound(rounds: StormRound[]): ReplayResult {
  const ratio = (r: StormRound) => r.replayP99 / r.calmP99;
  const sorted = [...rounds].sort((a, b) => ratio(a) - ratio(b));
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return {
    ...median.replay,
    rounds: rounds.map(({ calmP99, replayP99, connectP99 }) => ({ calmP99, replayP99, connectP99 })),
  };
}

/** When the storm began and when its measurement window ended (CLOCK_MONOTONIC µs, as in a CPU profile). */
export interface StormWindow {
  startedAt: number;
  endedAt: number;
}

/**
 * Live clients at `rate` while `replay.clients` reconnect at once, each `behind` events behind.
 * `onWindow` gets the storm's window, e.g. to cut a server CPU profile to it (bench/replay-storm.ts).
 */
export async function measureReplay(
  c: Contender,
  replayPool: ClientPool,
  plan: BenchPlan,
  {
    onWindow,
    resume = true,
    lastEventIds,
    beforeClose,
  }: {
    onWindow?: (window: StormWindow) => void;
    resume?: boolean;
    /** Each storm client resumes from its own id (bench:replay --redis), instead of all from one. */
    lastEventIds?: string[];
    /** Runs after the window, before the storm's clients are closed (e.g. wait until every one resumed). */
    beforeClose?: () => Promise<void>;
  } = {},
): Promise<StormResult> {
  const replay = plan.replay!;
  const { port } = c.server;
  c.publisher.startOpenLoop(replay.rate);
  await sleep(plan.warmMs);
  const headers: Record<string, string> = {};
  if (resume && !lastEventIds) {
    const board = (await (await fetch(`http://127.0.0.1:${port}/flights`)).json()) as { lastEventId: string };
    // `<epoch>-<n>` (the reference in memory) or a plain counter (the baselines): `behind` events back.
    const [, prefix = '', n] = /^(\d+-)?(\d+)$/.exec(board.lastEventId) ?? [];
    headers['Last-Event-ID'] = `${prefix}${Number(n) - replay.behind}`;
  }
  c.pool.windowStart();
  const started = performance.now();
  const startedAt = monotonicMicros();
  const connected = await replayPool.connect(
    { port, path: '/events', headers, discardBody: true, ...(lastEventIds ? { lastEventIds } : {}) },
    replay.clients,
    replay.clients,
    30_000, // a storm may take a while: measure how long, rather than give up at 10 s
  );
  await sleep(Math.max(0, plan.windowMs - (performance.now() - started)));
  const window = await c.pool.windowEnd();
  const seconds = (performance.now() - started) / 1000;
  onWindow?.({ startedAt, endedAt: monotonicMicros() });
  await c.publisher.stop();
  await beforeClose?.();
  await replayPool.closeAll();
  await sleep(300);
  return {
    replayClients: connected.opened,
    replayFailed: connected.failed,
    ...(connected.firstError ? { firstError: connected.firstError } : {}),
    behind: replay.behind,
    liveClients: c.pool.size,
    rate: replay.rate,
    liveLatencyMs: summarize(window.latency),
    liveDeliveriesPerSec: Math.round(window.deliveries / seconds),
    replayConnectMs: summarize(connected.connectTime),
  };
}
