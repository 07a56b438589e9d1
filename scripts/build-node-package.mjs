// Builds a Node workspace (server/, conformance/) into its dist/: each entry bundled by esbuild
// into one ES module (npm dependencies stay imports; our own modules, the shared protocol among
// them, are bundled, so the package carries its copy), and the .d.ts files from tsc.
//
// Usage, from the workspace folder: node ../scripts/build-node-package.mjs <entry.ts>…
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { build } from 'esbuild';
import { emitDeclarations } from './emit-declarations.mjs';

const entries = process.argv.slice(2);
if (entries.length === 0) {
  console.error('usage: node ../scripts/build-node-package.mjs <entry.ts>… (run from the workspace folder)');
  process.exit(2);
}

await rm('dist', { recursive: true, force: true });
await build({
  entryPoints: entries,
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
await emitDeclarations('tsconfig.build.json');
console.log(
  `${basename(process.cwd())}: built ${entries.map((e) => `dist/${basename(e, '.ts')}.js`).join(', ')} and dist/types`,
);
