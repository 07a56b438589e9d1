/**
 * `node --import tsx bench/heap-per-connection.ts [server] [clients]`: where a server's memory
 * per idle stream goes. Takes a V8 heap snapshot (which collects garbage first) with no stream
 * and with C idle streams, and prints the object kinds that grew, per stream. Native memory
 * (socket buffers, libuv handles) is not in the heap: compare with the RSS the bench reports.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ClientPool } from './server/client-pool.ts';
import { sleep } from './server/measure.ts';
import { ServerProcess } from './server/server-process.ts';
import { TARGETS } from './server/targets.ts';
import { rssKb } from './support/proc-stats.ts';

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

const [name = 'reference', clientsArg = '2000'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const clients = Number(clientsArg);
const target = TARGETS.find((t) => t.name === name);
if (!target) throw new Error(`unknown server ${name}`);
const dir = fileURLToPath(new URL(`./results/profiles/heap-${name}/`, import.meta.url));
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

/** Total self size and count per "type:name" of every node in a snapshot. */
function summarize(file: string): Map<string, { size: number; count: number }> {
  const heap = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const byKind = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < heap.nodes.length; i += width) {
    const type = types[heap.nodes[i + typeAt] ?? 0] ?? '?';
    const label =
      type === 'string' || type === 'concatenated string'
        ? ''
        : (heap.strings[heap.nodes[i + nameAt] ?? 0] ?? '');
    const key = `${type}:${label.slice(0, 60)}`;
    const entry = byKind.get(key) ?? { size: 0, count: 0 };
    entry.size += heap.nodes[i + sizeAt] ?? 0;
    entry.count++;
    byKind.set(key, entry);
  }
  return byKind;
}

async function snapshot(server: ServerProcess, label: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(server.pid, 'SIGUSR2');
  for (let i = 0; i < 600; i++) {
    await sleep(100);
    const fresh = readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
    if (fresh) {
      await sleep(1500); // let it finish writing
      process.stdout.write(`${label}: ${fresh}, RSS ${(rssKb(server.pid) / 1024).toFixed(1)} MB\n`);
      return `${dir}${fresh}`;
    }
  }
  throw new Error('no heap snapshot written');
}

const server = await ServerProcess.start(target, '0', [
  '--heapsnapshot-signal=SIGUSR2',
  `--diagnostic-dir=${dir}`,
]);
const pool = new ClientPool(1, '1');
try {
  await pool.ready();
  await sleep(500);
  const idle = summarize(await snapshot(server, 'idle'));
  await pool.connect({ port: server.port, path: '/events' }, clients);
  await sleep(1000);
  const loaded = summarize(await snapshot(server, `${clients} streams`));
  const growth = [...loaded]
    .map(([key, v]) => {
      const was = idle.get(key) ?? { size: 0, count: 0 };
      return { key, bytes: (v.size - was.size) / clients, count: (v.count - was.count) / clients };
    })
    .filter((g) => g.bytes > 8)
    .sort((a, b) => b.bytes - a.bytes);
  const total = growth.reduce((s, g) => s + g.bytes, 0);
  process.stdout.write(
    `${name}: JS heap growth ≈ ${(total / 1024).toFixed(2)} KB per stream; largest kinds:\n`,
  );
  for (const g of growth.slice(0, 30)) {
    process.stdout.write(
      `${g.bytes.toFixed(0).padStart(7)} B  ${g.count.toFixed(2).padStart(6)}×  ${g.key}\n`,
    );
  }
} finally {
  pool.stop();
  await server.stop();
}
