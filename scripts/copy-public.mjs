// The server package's build step: copies the demo page and the element's bundles into
// server/dist/public/, which the server serves (see server/package-dir.ts), and builds the wire
// protocol's module for the demo's scripts (protocol.js), so they spell no event name of their own.
// The bundles come from the root's `npm run build:element`.
import { cp, mkdir, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = new URL('../', import.meta.url);
const PUBLIC = new URL('server/dist/public/', ROOT);
const BUNDLES = ['flight-board.js', 'flight-board.iife.js'];

await mkdir(PUBLIC, { recursive: true });
await cp(new URL('demo/', ROOT), PUBLIC, { recursive: true });
for (const bundle of BUNDLES) {
  const from = new URL(`dist/cdn/${bundle}`, ROOT);
  try {
    await stat(from);
  } catch {
    console.error(`${from.pathname} is missing: run \`npm run build:element\` at the repository root first`);
    process.exit(1);
  }
  await cp(from, new URL(bundle, PUBLIC));
}
await build({
  entryPoints: [fileURLToPath(new URL('protocol/protocol.ts', ROOT))],
  outfile: fileURLToPath(new URL('protocol.js', PUBLIC)),
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  logLevel: 'warning',
});
console.log('server: copied the demo, the element bundles and protocol.js into dist/public');
