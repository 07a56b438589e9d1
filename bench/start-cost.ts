/**
 * `npm run bench:start [runs]`: what a start costs, the built packages against the same sources
 * run through tsx (how the bins ran before the packages were compiled). Runs the two in turn,
 * pair by pair, and prints medians and the built/tsx ratios:
 * - the server: time from spawn to its first line with the URL, and its RSS at that moment;
 * - the kit: the time `sse-conformance --version` takes, start to exit.
 * Needs `npm run build` first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { rssKb } from './support/proc-stats.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const runs = Number(process.argv[2] ?? 9);

interface Contender {
  name: string;
  args: string[];
}

const SERVER_ARGS = ['--port', '0', '--host', '127.0.0.1', '--simulate', '1'];
const SERVER: [Contender, Contender] = [
  { name: 'built (node server/dist/main.js)', args: [`${ROOT}server/dist/main.js`, ...SERVER_ARGS] },
  {
    name: 'sources (node --import tsx server/main.ts)',
    args: ['--import', 'tsx', `${ROOT}server/main.ts`, ...SERVER_ARGS],
  },
];
const KIT: [Contender, Contender] = [
  { name: 'built (sse-conformance --version)', args: [`${ROOT}conformance/dist/main.js`, '--version'] },
  {
    name: 'sources (tsx conformance/main.ts --version)',
    args: ['--import', 'tsx', `${ROOT}conformance/main.ts`, '--version'],
  },
];

/** Spawns the server and resolves once it prints its URL, with the time taken and its RSS then. */
function serverStart({ args }: Contender): Promise<{ ms: number; rssKb: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'info' },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => finish(() => reject(new Error(`no URL within 20 s:\n${out}`))), 20_000);
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      settle();
      stop(child);
    };
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (/http:\/\/127\.0\.0\.1:[1-9]\d*/.test(out)) {
        const sample = { ms: performance.now() - started, rssKb: rssKb(child.pid ?? 0) };
        finish(() => resolve(sample));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => finish(() => reject(new Error(`exited with ${code}:\n${out}`))));
  });
}

/** Runs the kit to its exit and resolves with the time taken. */
function kitRun({ args }: Contender): Promise<{ ms: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) =>
      code === 0 ? resolve({ ms: performance.now() - started }) : reject(new Error(`exited with ${code}`)),
    );
  });
}

function stop(child: ChildProcess): void {
  if (child.exitCode === null) child.kill('SIGKILL');
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** Runs A and B in turn `runs` times (after one warm-up each) and prints medians and A/B ratios. */
async function paired<T extends Record<string, number>>(
  title: string,
  [a, b]: [Contender, Contender],
  measure: (contender: Contender) => Promise<T>,
): Promise<void> {
  await measure(a);
  await measure(b);
  const samples: { a: T; b: T }[] = [];
  for (let i = 0; i < runs; i++) samples.push({ a: await measure(a), b: await measure(b) });
  console.log(`\n${title} (${runs} pairs, medians)`);
  for (const key of Object.keys(samples[0]?.a ?? {})) {
    const ofA = median(samples.map((s) => s.a[key] ?? Number.NaN));
    const ofB = median(samples.map((s) => s.b[key] ?? Number.NaN));
    const ratio = median(samples.map((s) => (s.a[key] ?? Number.NaN) / (s.b[key] ?? Number.NaN)));
    console.log(
      `  ${key.padEnd(6)} ${a.name}: ${ofA.toFixed(0)}   ${b.name}: ${ofB.toFixed(0)}   ratio ${ratio.toFixed(2)}×`,
    );
  }
}

for (const file of ['server/dist/main.js', 'conformance/dist/main.js']) {
  if (!existsSync(`${ROOT}${file}`)) throw new Error(`${file} is missing: run \`npm run build\` first`);
}
await paired('server start, to its URL line', SERVER, serverStart);
await paired('sse-conformance --version, start to exit', KIT, kitRun);
