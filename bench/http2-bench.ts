/**
 * `npm run bench:http2 [-- --quick]`: the reference server over HTTP/2 against the same server over
 * HTTP/1.1 (plain, and over TLS), and against a minimal node:http2 baseline writing the same bytes,
 * side by side in one run. For each: memory per idle stream (RSS after a full GC) and server CPU
 * per delivery while events fan out. Contenders alternate over rounds; medians are reported.
 * See docs/performance.md ("HTTP/2").
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/free-port.ts';
import { testCertificate } from '../test/support/test-certificate.ts';
import type { ClientCommand, StreamProtocol } from './http2/stream-clients.ts';
import { BENCH_FLIGHT } from './server/bench-server-env.ts';
import { cpuMicros, loadAverage, pinProcess, rssKb } from './support/proc-stats.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RESULTS = new URL('./results/', import.meta.url);
const TOKEN = 'bench-token';
const quick = process.argv.includes('--quick');
const PLAN = quick
  ? { streams: 500, perSession: 10, rate: 100, windowMs: 2000, rounds: 2 }
  : { streams: 1000, perSession: 10, rate: 100, windowMs: 4000, rounds: 3 };
const cpus = availableParallelism();
const SERVER_CPUS = '0';
const GENERATOR_CPUS = cpus > 1 ? `1-${cpus - 1}` : '0';
const log = (line: string) => process.stdout.write(`${line}\n`);

interface Contender {
  name: string;
  entry: string;
  tls: boolean;
  protocol: StreamProtocol;
  publish: { path: string; method: string; headers: Record<string, string> };
  reference: boolean;
}

const REFERENCE_PUBLISH = {
  path: `/flights/${BENCH_FLIGHT}`,
  method: 'PATCH',
  headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
};
const BASELINE_PUBLISH = {
  path: '/publish',
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
};
const REFERENCE = `${ROOT}server/dist/main.js`;

const CONTENDERS: Contender[] = [
  {
    name: 'reference h2',
    entry: REFERENCE,
    tls: true,
    protocol: 'h2',
    publish: REFERENCE_PUBLISH,
    reference: true,
  },
  {
    name: 'reference http/1.1',
    entry: REFERENCE,
    tls: false,
    protocol: 'http/1.1',
    publish: REFERENCE_PUBLISH,
    reference: true,
  },
  {
    name: 'reference https/1.1',
    entry: REFERENCE,
    tls: true,
    protocol: 'https/1.1',
    publish: REFERENCE_PUBLISH,
    reference: true,
  },
  {
    name: 'node:http2 baseline',
    entry: `${ROOT}bench/baseline-http2-server.ts`,
    tls: true,
    protocol: 'h2',
    publish: BASELINE_PUBLISH,
    reference: false,
  },
];

interface Measurement {
  kbPerStream: number;
  cpuMicrosPerDelivery: number;
  deliveries: number;
  expected: number;
}

const certificate = testCertificate();

/** One HTTP/1.1 request (keep-alive) to the server; resolves with the status. */
function call(
  contender: Contender,
  port: number,
  agent: HttpAgent,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, method, path, headers, agent, rejectUnauthorized: false };
    const req = (contender.tls ? httpsRequest : httpRequest)(options, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function startServer(contender: Contender): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const loader = contender.entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const gc = ['--expose-gc', '--import', `${ROOT}bench/support/gc-on-signal.mjs`];
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    FLIGHT_BOARD_TOKEN: TOKEN,
    SIMULATE: '0',
    HEARTBEAT_MS: '15000',
  };
  if (contender.tls) Object.assign(env, { TLS_CERT: certificate.certFile, TLS_KEY: certificate.keyFile });
  const child = spawn('taskset', ['-c', SERVER_CPUS, process.execPath, ...gc, ...loader, contender.entry], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const agent = contender.tls ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = await call(contender, port, agent, 'GET', '/health', {}).catch(() => 0);
    if (status === 200) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${contender.name} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (contender.reference) {
    const body = JSON.stringify({
      flight: BENCH_FLIGHT,
      origin: 'Bench',
      arrival: '12:00',
      state: 'scheduled',
    });
    const status = await call(contender, port, agent, 'POST', '/flights', REFERENCE_PUBLISH.headers, body);
    if (status !== 201) throw new Error(`${contender.name}: setup POST /flights answered ${status}`);
  }
  agent.destroy();
  return { child, port };
}

function ask(clients: ChildProcess, command: ClientCommand): Promise<Record<string, number>> {
  return new Promise((resolve) => {
    clients.once('message', (answer) => resolve(answer as Record<string, number>));
    clients.send(command);
  });
}

async function fullGcRss(pid: number): Promise<number> {
  process.kill(pid, 'SIGUSR2');
  await new Promise((r) => setTimeout(r, 400));
  return rssKb(pid);
}

async function measure(contender: Contender): Promise<Measurement> {
  const { child, port } = await startServer(contender);
  const clients = fork(fileURLToPath(new URL('./http2/stream-clients.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
  });
  try {
    pinProcess(clients.pid ?? 0, GENERATOR_CPUS);
    const pid = child.pid ?? 0;
    const before = await fullGcRss(pid);
    const { opened = 0 } = await ask(clients, {
      cmd: 'open',
      port,
      protocol: contender.protocol,
      streams: PLAN.streams,
      perSession: PLAN.perSession,
    });
    if (opened < PLAN.streams)
      throw new Error(`${contender.name}: only ${opened} of ${PLAN.streams} streams opened`);
    const after = await fullGcRss(pid);
    await ask(clients, { cmd: 'reset' });
    const agent = contender.tls
      ? new HttpsAgent({ keepAlive: true, maxSockets: 8 })
      : new HttpAgent({ keepAlive: true, maxSockets: 8 });
    const events = Math.round((PLAN.rate * PLAN.windowMs) / 1000);
    const cpuStart = cpuMicros(pid);
    const started = performance.now();
    const writes: Promise<number>[] = [];
    for (let i = 0; i < events; i++) {
      const due = started + (i * 1000) / PLAN.rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const body = JSON.stringify({ state: `s${String(i).padStart(7, '0')}` });
      writes.push(
        call(
          contender,
          port,
          agent,
          contender.publish.method,
          contender.publish.path,
          contender.publish.headers,
          body,
        ),
      );
    }
    await Promise.all(writes);
    const expected = events * PLAN.streams;
    let deliveries = 0;
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline) {
      deliveries = (await ask(clients, { cmd: 'count' })).frames ?? 0;
      if (deliveries >= expected) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const cpu = cpuMicros(pid) - cpuStart;
    agent.destroy();
    await ask(clients, { cmd: 'close' });
    return {
      kbPerStream: (after - before) / PLAN.streams,
      cpuMicrosPerDelivery: cpu / Math.max(1, deliveries),
      deliveries,
      expected,
    };
  } finally {
    clients.kill();
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function main(): Promise<void> {
  pinProcess(process.pid, GENERATOR_CPUS);
  log(
    `bench:http2${quick ? ' --quick' : ''}: ${cpus} cores, Node ${process.version}, load ${loadAverage().join(' ')}`,
  );
  log(
    `${PLAN.streams} streams (HTTP/2: ${PLAN.perSession} per connection), ${PLAN.rate} events/s for ${PLAN.windowMs} ms, ${PLAN.rounds} rounds, server on CPU ${SERVER_CPUS}`,
  );
  const runs = new Map<string, Measurement[]>(CONTENDERS.map((c) => [c.name, []]));
  for (let round = 0; round < PLAN.rounds; round++) {
    const order = round % 2 === 0 ? CONTENDERS : [...CONTENDERS].reverse();
    for (const contender of order) {
      const result = await measure(contender);
      runs.get(contender.name)?.push(result);
      log(
        `round ${round + 1} ${contender.name.padEnd(20)} ${result.kbPerStream.toFixed(2)} KB/stream, ` +
          `${result.cpuMicrosPerDelivery.toFixed(2)} µs CPU/delivery (${result.deliveries}/${result.expected} delivered)`,
      );
    }
  }
  const summary = CONTENDERS.map((c) => {
    const results = runs.get(c.name) ?? [];
    return {
      name: c.name,
      kbPerStream: median(results.map((r) => r.kbPerStream)),
      cpuMicrosPerDelivery: median(results.map((r) => r.cpuMicrosPerDelivery)),
      complete: results.every((r) => r.deliveries >= r.expected),
    };
  });
  const h1 = summary.find((s) => s.name === 'reference http/1.1');
  const base = summary.find((s) => s.name === 'node:http2 baseline');
  log('\ncontender             KB/stream  ×h1.1  ×h2 base   CPU µs/deliv  ×h1.1  ×h2 base');
  for (const s of summary) {
    const ratio = (a: number, b: number | undefined) => (b ? (a / b).toFixed(2) : '-');
    log(
      `${s.name.padEnd(20)} ${s.kbPerStream.toFixed(2).padStart(10)}  ${ratio(s.kbPerStream, h1?.kbPerStream).padStart(5)}  ${ratio(s.kbPerStream, base?.kbPerStream).padStart(8)}   ${s.cpuMicrosPerDelivery.toFixed(2).padStart(12)}  ${ratio(s.cpuMicrosPerDelivery, h1?.cpuMicrosPerDelivery).padStart(5)}  ${ratio(s.cpuMicrosPerDelivery, base?.cpuMicrosPerDelivery).padStart(8)}${s.complete ? '' : '  (deliveries incomplete)'}`,
    );
  }
  mkdirSync(RESULTS, { recursive: true });
  const file = new URL(`http2${quick ? '-quick' : ''}.json`, RESULTS);
  writeFileSync(
    file,
    `${JSON.stringify({ kind: 'http2', quick, plan: PLAN, at: new Date().toISOString(), node: process.version, cpus, runs: Object.fromEntries(runs), summary }, null, 2)}\n`,
  );
  log(`\nresults: ${fileURLToPath(file)}`);
}

await main();
