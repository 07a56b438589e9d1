/**
 * `npm run bench:replay -- [--redis] [--rounds=N] [--cpu-prof] [--before-entry=<copy>/server/main.ts] [--node-args="<flags>"] [--connect-storm] [--behind=N]`:
 * only the replay-storm step of `bench:server` (issue 7), with the same pieces and plan.
 *
 * Each round: the baseline at 1000 clients × 10/s without a storm (the reference p99), then
 * the reference server while 1,000 clients reconnect at once 500 events behind. With
 * `--before-entry`, another build of the reference server (e.g. `git archive` of an older
 * commit) is up too and measured in the same rounds, in alternating order, so before and after
 * share the machine's load. `--cpu-prof` runs the reference build(s) under `node --cpu-prof`
 * and prints self time by function within the storm windows only, and the longest stretch
 * the main thread stayed busy (what a live event can be stuck behind). `--node-args` passes
 * Node or V8 flags to the reference build only: with `--before-entry=server/main.ts`, the same
 * code with and without them, side by side. `--redis` (see `redisMain`) takes `--cpu-prof`,
 * `--timeline` and `--node-args` too, and `--fresh-instance`: the storm then hits an instance
 * started after most of the history was written, whose replays mostly read Redis.
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startRedisServer } from '../test/support/redis-server.ts';
import { ClientPool, STORM_NICENESS } from './server/client-pool.ts';
import { type Contender, measureContender, measureReplay, type StormWindow } from './server/matrix.ts';
import { describeCell, round, sleep } from './server/measure.ts';
import { FULL_PLAN } from './server/plan.ts';
import { Publisher } from './server/publisher.ts';
import type { StormResult } from './server/results.ts';
import { ServerProcess } from './server/server-process.ts';
import { type ServerTarget, TARGETS } from './server/targets.ts';
import { monotonicMicros } from './support/monotonic.ts';
import { cpuMicros, loadAverage, pinProcess } from './support/proc-stats.ts';

const SERVER_CPUS = '0';
const GENERATOR_CPUS = '1';
const PROFILE_INTERVAL_US = 250;
const PROFILES = fileURLToPath(new URL('./results/profiles/', import.meta.url));

const argValue = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const rounds = Number(argValue('rounds') ?? 3);
const profile = process.argv.includes('--cpu-prof');
/** Node flags that make a reference build write its CPU profile for `printProfile`. */
const profileArgs = profile
  ? ['--cpu-prof', `--cpu-prof-dir=${PROFILES}`, `--cpu-prof-interval=${PROFILE_INTERVAL_US}`]
  : [];
const beforeEntry = argValue('before-entry');
const timeline = process.argv.includes('--timeline');
const referenceNodeArgs = argValue('node-args')?.split(' ').filter(Boolean) ?? [];
/** `--connect-storm`: also storm the baseline with the same connections, fresh (it replays nothing). */
const connectStorm = process.argv.includes('--connect-storm');
/** `--fresh-instance` (with `--redis`): the storm hits an instance started after most of the history was written. */
const freshInstance = process.argv.includes('--fresh-instance');
/** `--behind=N`: how far behind the storm's clients resume (default: the bench's 500), to tell the replay's cost from the connections'. */
const behindArg = argValue('behind');
const plan = behindArg
  ? { ...FULL_PLAN, replay: { ...FULL_PLAN.replay!, behind: Number(behindArg) } }
  : FULL_PLAN;
/** How much of each storm window the profile summary covers, from the storm's start (ms). */
const profileMs = Number(argValue('profile-ms') ?? plan.windowMs);
const replay = plan.replay!;
const log = (line: string) => process.stdout.write(`${line}\n`);

/** A reference build under test, with the storm windows measured on it. */
interface Build {
  label: string;
  contender: Contender;
  windows: StormWindow[];
}

/** In start order: the baseline's workers come first, then two per build, then the replay pool's. */
const builds: Build[] = [];

function target(name: ServerTarget['name']): ServerTarget {
  const found = TARGETS.find((t) => t.name === name);
  if (!found) throw new Error(`no ${name} target`);
  return found;
}

/** Starts a server with its own live clients, and publishes enough events for a replay 500 behind. */
async function startContender(t: ServerTarget, nodeArgs: string[]): Promise<Contender> {
  const server = await ServerProcess.start(t, SERVER_CPUS, nodeArgs);
  const pool = new ClientPool(2, GENERATOR_CPUS);
  const publisher = new Publisher(server.port, t.publish);
  await pool.ready();
  // More than `behind` events: a Last-Event-ID before the first event would get a snapshot instead.
  for (let i = 0; i < replay.behind + 100; i++) await publisher.publish();
  const connected = await pool.connect({ port: server.port, path: '/events' }, replay.live);
  if (connected.failed) log(`${t.name}: ${connected.failed} streams failed (${connected.firstError})`);
  return { target: t, server, pool, publisher };
}

/** Replays and snapshots the server has served so far (its /metrics), to check a storm was a replay. */
async function replayCounters(port: number): Promise<{ replays: number; snapshots: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { replays: value('flight_board_replays_total'), snapshots: value('flight_board_snapshots_total') };
}

/**
 * SYNs the kernel dropped because a listen queue was full (TcpExt ListenDrops, all sockets of
 * this network namespace): each such client connects only after its SYN is resent, 1 s later.
 */
function listenDrops(): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const header = lines.find((l) => l.startsWith('TcpExt:'))?.split(' ') ?? [];
  const values = lines.filter((l) => l.startsWith('TcpExt:'))[1]?.split(' ') ?? [];
  return Number(values[header.indexOf('ListenDrops')] ?? Number.NaN);
}

function describeStorm(label: string, r: StormResult, cpuMs: number, counters: string): string {
  const live = r.liveLatencyMs;
  return (
    `${label.padEnd(10)} storm: live p50 ${live.p50} p99 ${live.p99} max ${live.max} ms, ` +
    `${r.liveDeliveriesPerSec} live deliveries/s; ${r.replayClients} reconnected (${r.replayFailed} failed), ` +
    `connect p50 ${r.replayConnectMs.p50} p99 ${r.replayConnectMs.p99} ms; server CPU ${cpuMs} ms in the step; ${counters}`
  );
}

/** Main-thread CPU time and time spent runnable but waiting for a CPU, in µs (/proc/<pid>/schedstat, ns). */
function schedMicros(pid: number, tid = pid): { run: number; wait: number } {
  try {
    const [run = 0, wait = 0] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8')
      .split(' ')
      .map(Number);
    return { run: run / 1000, wait: wait / 1000 };
  } catch {
    return { run: 0, wait: 0 };
  }
}

/** CPU time of the process's threads other than the main one (V8's GC and compiler helpers, libuv's pool), in µs. */
function helperThreadsMicros(pid: number): { run: number; wait: number } {
  let run = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    if (Number(tid) !== pid) run += schedMicros(pid, Number(tid)).run;
  }
  return { run, wait: 0 };
}

/** The client worker processes this bench started (children of this process), oldest first. */
function workerPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return (
          ppid === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('sse-client-worker')
        );
      } catch {
        return false; // gone meanwhile
      }
    })
    .sort((a, b) => a - b);
}

/**
 * `--timeline`: every 50 ms of the storm step, the main-thread CPU time of the server, of the
 * replay clients' worker and of the live clients' workers, and how long each waited for a CPU
 * while runnable. Shows whether the live clients' own core (the generator's) delays them,
 * rather than the server. Printed from just before the storm to 2 s into it.
 */
function startTimeline(serverPid: number, livePids: number[], replayPid: number): (stormAt: number) => void {
  const rows: { at: number; text: string }[] = [];
  const read = () => [
    schedMicros(serverPid),
    helperThreadsMicros(serverPid),
    schedMicros(replayPid),
    ...livePids.map((pid) => schedMicros(pid)),
  ];
  let last = read();
  const ms = (us: number) => String(Math.round(us / 1000)).padStart(3);
  const timer = setInterval(() => {
    const now = read();
    const d = now.map((v, i) => ({ run: v.run - (last[i]?.run ?? 0), wait: v.wait - (last[i]?.wait ?? 0) }));
    const live = d
      .slice(3)
      .reduce((sum, v) => ({ run: sum.run + v.run, wait: sum.wait + v.wait }), { run: 0, wait: 0 });
    const [server = live, helpers = live, replayClients = live] = d;
    rows.push({
      at: monotonicMicros(),
      text:
        `server run ${ms(server.run)} wait ${ms(server.wait)} helpers ${ms(helpers.run)} | replay clients run ${ms(replayClients.run)} ` +
        `wait ${ms(replayClients.wait)} | live clients run ${ms(live.run)} wait ${ms(live.wait)} ms`,
    });
    last = now;
  }, 50);
  return (stormAt) => {
    clearInterval(timer);
    for (const row of rows) {
      const offset = (row.at - stormAt) / 1000;
      if (offset > -100 && offset < 2000) log(`${String(Math.round(offset)).padStart(6)} ms  ${row.text}`);
    }
  };
}

async function storm(build: Build, replayPool: ClientPool): Promise<number> {
  const { server } = build.contender;
  const before = await replayCounters(server.port);
  const cpuBefore = cpuMicros(server.pid);
  const dropsBefore = listenDrops();
  // Workers in start order (pids ascending): the baseline's two, two per build, the replay pool's last.
  const workers = workerPids();
  const first = 2 + 2 * builds.indexOf(build);
  const stopTimeline = timeline
    ? startTimeline(server.pid, workers.slice(first, first + 2), workers.at(-1) ?? 0)
    : undefined;
  const result = await measureReplay(build.contender, replayPool, plan, {
    onWindow: (w) => build.windows.push(w),
  });
  const window = build.windows.at(-1);
  stopTimeline?.(window?.startedAt ?? 0);
  if (timeline || profile) log(`storm window ${window?.startedAt}..${window?.endedAt} µs CLOCK_MONOTONIC`);
  const cpuMs = Math.round((cpuMicros(server.pid) - cpuBefore) / 1000);
  const after = await replayCounters(server.port);
  const counters =
    `+${after.replays - before.replays} replays, +${after.snapshots - before.snapshots} snapshots, ` +
    `${listenDrops() - dropsBefore} SYNs dropped (listen queue full)`;
  log(describeStorm(build.label, result, cpuMs, counters));
  return result.liveLatencyMs.p99;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The main thread's profile of process `pid` (the loader's worker thread writes a smaller one). */
function readProfile(pid: number): CpuProfile {
  const file = readdirSync(PROFILES)
    .filter((f) => f.endsWith('.cpuprofile') && f.includes(`.${pid}.`))
    .sort((a, b) => statSync(`${PROFILES}${b}`).size - statSync(`${PROFILES}${a}`).size)[0];
  if (!file) throw new Error(`no profile written by ${pid}`);
  log(`profile: bench/results/profiles/${file}`);
  return JSON.parse(readFileSync(`${PROFILES}${file}`, 'utf8')) as CpuProfile;
}

/** Self time by function within `windows`, and the longest stretch of busy samples in any of them. */
function printProfile(label: string, p: CpuProfile, windows: StormWindow[]): void {
  const names = new Map<number, string>();
  for (const n of p.nodes) {
    const file = n.callFrame.url.replace(/^.*\/(node_modules\/|work\/main\/|fb-before\/)?/, '');
    names.set(n.id, `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber + 1}`);
  }
  const self = new Map<string, number>();
  let at = p.startTime;
  let total = 0;
  let busy = 0;
  let stretch = 0;
  let longest = 0;
  p.samples.forEach((id, i) => {
    const delta = p.timeDeltas[i] ?? 0;
    at += delta;
    if (
      !windows.some((w) => at >= w.startedAt && at <= Math.min(w.endedAt, w.startedAt + profileMs * 1000))
    ) {
      stretch = 0;
      return;
    }
    const name = names.get(id) ?? '?';
    total += delta;
    self.set(name, (self.get(name) ?? 0) + delta);
    // `(program)` is native work outside JS (libuv, syscalls): busy, like JS. Only `(idle)` waits.
    if (name.startsWith('(idle)')) stretch = 0;
    else {
      busy += delta;
      stretch += delta;
      longest = Math.max(longest, stretch);
    }
  });
  log(
    `\n${label}: ${windows.length} storm windows (first ${profileMs} ms of each), ${round(total / 1000, 0)} ms sampled, ` +
      `${round(busy / 1000, 0)} ms busy, longest busy stretch ${round(longest / 1000, 1)} ms; self time, top 30:`,
  );
  for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    const share = ((100 * us) / Math.max(total, 1)).toFixed(1).padStart(5);
    log(
      `${share}%  ${round(us / 1000, 1)
        .toString()
        .padStart(7)} ms  ${name}`,
    );
  }
}

async function main(): Promise<void> {
  pinProcess(process.pid, GENERATOR_CPUS);
  mkdirSync(PROFILES, { recursive: true });
  log(
    `bench:replay: ${replay.clients} reconnecting ${replay.behind} behind, ${replay.live} live at ${replay.rate}/s; ` +
      `${rounds} rounds${profile ? ', reference under --cpu-prof' : ''}` +
      `${referenceNodeArgs.length ? `, reference with ${referenceNodeArgs.join(' ')}` : ''}; load average ${loadAverage().join(' ')}`,
  );
  const baseline = await startContender(target('baseline'), []);
  const reference = target('reference');
  if (beforeEntry) {
    const before = { ...reference, entry: beforeEntry };
    builds.push({ label: 'before', contender: await startContender(before, profileArgs), windows: [] });
  }
  builds.push({
    label: 'reference',
    contender: await startContender(reference, [...profileArgs, ...referenceNodeArgs]),
    windows: [],
  });
  const replayPool = new ClientPool(1, GENERATOR_CPUS, STORM_NICENESS);
  const ratios = new Map<string, number[]>(builds.map((b) => [b.label, []]));
  if (connectStorm) ratios.set('baseline connect storm', []);
  try {
    await replayPool.ready();
    await sleep(500);
    for (let r = 0; r < rounds; r++) {
      log(`\nround ${r + 1}: load average ${loadAverage().join(' ')}`);
      const cell = await measureContender(baseline, plan, replay.rate);
      log(describeCell('baseline', cell));
      if (connectStorm) {
        // The same 1,000 connections at once, fresh (the baseline replays nothing): the part of a
        // storm's cost that is Node's per-connection work, which no server code can avoid.
        const fresh = await measureReplay(baseline, replayPool, plan, { resume: false });
        const ratio = round(fresh.liveLatencyMs.p99 / cell.latencyMs.p99);
        log(
          `baseline   connect storm (no replay): live p50 ${fresh.liveLatencyMs.p50} p99 ${fresh.liveLatencyMs.p99} ` +
            `max ${fresh.liveLatencyMs.max} ms, connect p99 ${fresh.replayConnectMs.p99} ms = ${ratio}× its calm p99`,
        );
        ratios.get('baseline connect storm')?.push(ratio);
      }
      for (const build of r % 2 === 0 ? builds : [...builds].reverse()) {
        const p99 = await storm(build, replayPool);
        const ratio = round(p99 / cell.latencyMs.p99);
        ratios.get(build.label)?.push(ratio);
        log(`${build.label.padEnd(10)} live p99 ÷ baseline p99 = ${ratio}× (target ≤ 1.5×)`);
      }
    }
  } finally {
    replayPool.stop();
    for (const c of [baseline, ...builds.map((b) => b.contender)]) {
      c.publisher.close();
      c.pool.stop();
      await c.server.stop();
    }
  }
  log(`\nload average ${loadAverage().join(' ')}`);
  for (const [label, values] of ratios) log(`${label.padEnd(10)} ratios: ${values.join(', ')}`);
  if (profile) {
    for (const build of builds)
      printProfile(build.label, readProfile(build.contender.server.pid), build.windows);
  }
}

/**
 * `--redis`: the reference over Redis (REDIS_URL, a redis-server of its own), 1,000 clients
 * resuming at once from 1,000 distinct ids (each at least `behind` events back, so no two share
 * a read), while the live clients get `rate` events/s. Every storm client must resume (a replay
 * each, no snapshot, no failed stream), and the live p99 stay within 2× its calm value (issue 18.4).
 */
async function redisMain(): Promise<void> {
  pinProcess(process.pid, GENERATOR_CPUS);
  const redis = await startRedisServer();
  const reference = target('reference');
  const historySize = replay.clients + replay.behind + 1000;
  mkdirSync(PROFILES, { recursive: true });
  const redisTarget = {
    ...reference,
    env: { ...reference.env, REDIS_URL: redis.url, HISTORY_SIZE: String(historySize) },
  };
  if (freshInstance) {
    // Another instance writes most of the history, then leaves: the measured one never saw those
    // events, so most storm clients' replays (about 80 %) are read from Redis in pages.
    const first = await startContender(redisTarget, []);
    for (let i = 0; i < replay.clients + replay.behind; i++) await first.publisher.publish();
    first.publisher.close();
    first.pool.stop();
    await first.server.stop();
  }
  const contender = await startContender(redisTarget, [...profileArgs, ...referenceNodeArgs]);
  const windows: StormWindow[] = [];
  const replayPool = new ClientPool(1, GENERATOR_CPUS, STORM_NICENESS);
  const admin = new Redis(redis.url);
  log(
    `bench:replay --redis: ${replay.clients} clients resuming from distinct ids (${replay.behind} to ` +
      `${replay.behind + replay.clients} events back), ${replay.live} live at ${replay.rate}/s; ${rounds} rounds; ` +
      `${freshInstance ? 'a fresh instance (most replays read Redis); ' : ''}load average ${loadAverage().join(' ')}`,
  );
  const ratios: number[] = [];
  try {
    await replayPool.ready();
    for (let i = 0; i < replay.clients; i++) await contender.publisher.publish();
    for (let r = 0; r < rounds; r++) {
      log(`\nround ${r + 1}: load average ${loadAverage().join(' ')}`);
      const calm = await measureContender(contender, plan, replay.rate);
      log(describeCell('calm', calm));
      // The newest entries, newest first: client i resumes `behind + i` events back.
      const newest = await admin.xrevrange(
        '{flight-board}:events',
        '+',
        '-',
        'COUNT',
        replay.behind + replay.clients,
      );
      const lastEventIds = newest.slice(replay.behind).map(([id]) => id);
      const before = await replayCounters(contender.server.port);
      const workers = workerPids();
      const stopTimeline = timeline
        ? startTimeline(contender.server.pid, workers.slice(0, 2), workers.at(-1) ?? 0)
        : undefined;
      let resumedAfterMs = Number.NaN;
      const result = await measureReplay(contender, replayPool, plan, {
        lastEventIds,
        onWindow: (w) => windows.push(w),
        // Every storm client must resume, even one still catching up when the window ends.
        beforeClose: async () => {
          const started = performance.now();
          for (let i = 0; i < 300; i++) {
            const { replays } = await replayCounters(contender.server.port);
            if (replays - before.replays >= replay.clients) break;
            await sleep(100);
          }
          resumedAfterMs = Math.round(performance.now() - started);
        },
      });
      stopTimeline?.(windows.at(-1)?.startedAt ?? 0);
      const after = await replayCounters(contender.server.port);
      log(`redis      every storm client resumed within ${resumedAfterMs} ms of the window's end`);
      const ratio = round(result.liveLatencyMs.p99 / calm.latencyMs.p99);
      ratios.push(ratio);
      log(
        describeStorm(
          'redis',
          result,
          0,
          `+${after.replays - before.replays} replays, +${after.snapshots - before.snapshots} snapshots`,
        ),
      );
      log(`redis      live p99 during the storm ÷ calm p99 = ${ratio}× (target ≤ 2×)`);
      if (result.replayFailed > 0 || after.replays - before.replays !== replay.clients) {
        log(`NOT ALL RESUMED: ${result.replayFailed} failed (${result.firstError ?? 'no error'})`);
      }
    }
  } finally {
    admin.disconnect();
    replayPool.stop();
    contender.publisher.close();
    contender.pool.stop();
    await contender.server.stop();
    await redis.close();
  }
  log(`\nredis ratios: ${ratios.join(', ')}`);
  if (profile) printProfile('redis', readProfile(contender.server.pid), windows);
}

if (process.argv.includes('--redis')) await redisMain();
else await main();
