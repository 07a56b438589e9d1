// Emits a package's .d.ts files with tsc, then points their relative imports at `.js`:
// tsc keeps the `.ts` extensions we write in sources, and a consumer's compiler refuses
// `.ts` imports inside node_modules (TS5097), whatever its skipLibCheck says.
import { execFileSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RELATIVE_TS_IMPORT = /(from\s+|import\s*\(\s*)(['"])(\.{1,2}\/[^'"]+)\.ts\2/g;

async function* declarationFiles(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* declarationFiles(path);
    else if (entry.name.endsWith('.d.ts')) yield path;
  }
}

/** Runs `tsc -p <tsconfig>` and rewrites the `.ts` imports of the files in its outDir. */
export async function emitDeclarations(tsconfig, outDir = 'dist/types') {
  const tsc = fileURLToPath(new URL('../node_modules/.bin/tsc', import.meta.url));
  execFileSync(tsc, ['-p', tsconfig], { stdio: 'inherit' });
  for await (const file of declarationFiles(outDir)) {
    const text = await readFile(file, 'utf8');
    const rewritten = text.replace(RELATIVE_TS_IMPORT, '$1$2$3.js$2');
    if (rewritten !== text) await writeFile(file, rewritten);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await emitDeclarations(process.argv[2] ?? 'tsconfig.json', process.argv[3]);
}
