// `npm run sizes`: packs the three packages from a fresh checkout, installs each alone into an
// empty project, and writes what that installs (packages, MB) into the README's table. The
// packaging test (test/package.test.ts) measures the same way and fails when the table is stale.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freshCheckout,
  type InstallSize,
  installAlone,
  installSize,
  megabytes,
  PACKAGES,
  type PackageName,
  packAll,
  REPOSITORY,
  ROOT,
} from './pack-install.ts';

const START = '<!-- install-sizes:start';
const END = '<!-- install-sizes:end -->';

/** The README's table of the three packages and what each installs. */
export function sizesTable(sizes: Record<PackageName, InstallSize>): string {
  const rows = PACKAGES.map(({ name, folder, what }) => {
    const { packages, bytes } = sizes[name];
    const readme = folder === '' ? 'README.md' : `${REPOSITORY}/tree/main/${folder}#readme`;
    return `| [\`${name}\`](${readme}) | ${what} | \`npm install ${name}\` | ${packages} | ${megabytes(bytes)} MB |`;
  });
  return [
    '| package | what for | install | packages installed | on disk |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The sizes the README states, per package: `{ packages, megabytes }`. */
export function readmeSizes(readme: string): Partial<Record<PackageName, { packages: number; mb: number }>> {
  const found: Partial<Record<PackageName, { packages: number; mb: number }>> = {};
  for (const { name } of PACKAGES) {
    const row = new RegExp(`^\\| \\[\`${name}\`\\].*\\| (\\d+) \\| ([\\d.]+) MB \\|$`, 'm').exec(readme);
    if (row) found[name] = { packages: Number(row[1]), mb: Number(row[2]) };
  }
  return found;
}

/** Replaces the table between the README's markers. */
export function withSizes(readme: string, table: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end === -1) throw new Error(`README.md has no ${START} … ${END} markers`);
  const afterStartLine = readme.indexOf('\n', start) + 1;
  return `${readme.slice(0, afterStartLine)}${table}\n${readme.slice(end)}`;
}

/** Packs, installs each package alone, and measures. */
export async function measureAll(work: string): Promise<Record<PackageName, InstallSize>> {
  const source = await freshCheckout(join(work, 'checkout'));
  const tarballs = await packAll(source, work);
  const sizes = {} as Record<PackageName, InstallSize>;
  for (const { name } of PACKAGES) {
    const project = join(work, name);
    await installAlone(project, tarballs[name]);
    sizes[name] = await installSize(project);
  }
  return sizes;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const work = await mkdtemp(join(tmpdir(), 'flight-board-sizes-'));
  try {
    const sizes = await measureAll(work);
    const readmePath = join(ROOT, 'README.md');
    await writeFile(readmePath, withSizes(await readFile(readmePath, 'utf8'), sizesTable(sizes)));
    for (const { name } of PACKAGES) {
      console.log(`${name}: ${sizes[name].packages} packages, ${megabytes(sizes[name].bytes)} MB`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
