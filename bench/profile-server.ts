/**
 * `npm run bench:profile -- [reference|baseline|better-sse] [clients] [seconds]`: one server
 * under `node --cpu-prof`, C clients, closed-loop writes; prints where its CPU went (self time
 * by function) and leaves the .cpuprofile in bench/results/profiles/ for Chrome DevTools.
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ClientPool } from './server/client-pool.ts';
import { describeCell, measureCell } from './server/measure.ts';
import { Publisher } from './server/publisher.ts';
import { ServerProcess } from './server/server-process.ts';
import { TARGETS } from './server/targets.ts';
import { pinProcess } from './support/proc-stats.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const [name = 'reference', clientsArg = '1000', secondsArg = '5'] = process.argv.slice(2);
const target = TARGETS.find((t) => t.name === name);
if (!target) throw new Error(`unknown server ${name}: one of ${TARGETS.map((t) => t.name).join(', ')}`);
const dir = fileURLToPath(new URL('./results/profiles/', import.meta.url));
mkdirSync(dir, { recursive: true });
pinProcess(process.pid, '1');

const server = await ServerProcess.start(target, '0', ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
const pool = new ClientPool(2, '1');
await pool.ready();
await pool.connect({ port: server.port, path: '/events' }, Number(clientsArg));
const publisher = new Publisher(server.port, target.publish);
const cell = await measureCell({
  publisher,
  pool,
  pid: server.pid,
  rate: 'saturation',
  warmMs: 500,
  windowMs: Number(secondsArg) * 1000,
  saturationDepth: 4,
});
process.stdout.write(`${describeCell(name, cell)}\n`);
publisher.close();
await pool.closeAll();
pool.stop();
await server.stop();

// The loader's worker thread writes a small profile of its own: keep the main thread's (the largest).
const newest = readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile') && f.includes(`.${server.pid}.`))
  .sort((a, b) => statSync(`${dir}${b}`).size - statSync(`${dir}${a}`).size)[0];
if (!newest) throw new Error('no profile written');
const profile = JSON.parse(readFileSync(`${dir}${newest}`, 'utf8')) as { nodes: ProfileNode[] };
const total = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
const byFunction = new Map<string, number>();
for (const n of profile.nodes) {
  const file = n.callFrame.url.replace(/^.*\/(node_modules\/|work\/main\/)?/, '');
  const key = `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + (n.hitCount ?? 0));
}
process.stdout.write(`profile: bench/results/profiles/${newest}; self time, top 25:\n`);
for (const [key, hits] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  process.stdout.write(`${((100 * hits) / total).toFixed(1).padStart(5)}%  ${key}\n`);
}
