// Packs the three packages as a user gets them and installs each alone into an empty project:
// the packaging test and `npm run sizes` (the README's install-size table) both stand on it.
import { execFile } from 'node:child_process';
import { cp, lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Where the packages' READMEs point for anything their tarballs do not hold. */
export const REPOSITORY = 'https://github.com/flight-board/flight-board';
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The three published packages: name, workspace folder ('' for the root) and the README's wording. */
export const PACKAGES = [
  { name: 'flight-board', folder: '', what: 'the element (`import` or `<script>`)' },
  { name: 'flight-board-server', folder: 'server', what: 'the reference server (CLI and `createApp()`)' },
  { name: 'sse-conformance', folder: 'conformance', what: 'the conformance kit (CLI and library)' },
] as const;
export type PackageName = (typeof PACKAGES)[number]['name'];

/**
 * The runtime dependencies each package may have (DESIGN.md, "Layout and packages"): the packaging
 * test fails when a list grows past these. The server's logger is pino, with pino-pretty for the
 * terminal; its validator is zod.
 */
export const ALLOWED_DEPENDENCIES: Record<PackageName, readonly string[]> = {
  'flight-board': ['lit'],
  'flight-board-server': ['express', 'ioredis', 'pino', 'pino-pretty', 'prom-client', 'zod'],
  'sse-conformance': ['eventsource-parser'],
};

/** Runs npm in `cwd`; its output only surfaces when it fails. */
export async function npm(cwd: string, args: string[], timeout = 240_000): Promise<string> {
  const { stdout } = await run(NPM, args, { cwd, timeout, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/**
 * A fresh checkout of the working tree in `dir`: the files git tracks or would track, nothing built,
 * and the repository's node_modules linked in (the build tools; an `npm ci` would fetch the same).
 * Packing there proves `prepack` builds what a package needs, as on a fresh clone.
 */
export async function freshCheckout(dir: string): Promise<string> {
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  const files = stdout.split('\0').filter(Boolean);
  for (const file of files) {
    const stat = await lstat(join(ROOT, file)).catch(() => undefined);
    if (!stat?.isFile()) continue; // deleted in the working tree, or a symlink git tracks
    await mkdir(join(dir, file, '..'), { recursive: true });
    await cp(join(ROOT, file), join(dir, file), { preserveTimestamps: true });
  }
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Packs every package of the checkout at `source` into `destination`; resolves each tarball's path. */
export async function packAll(source: string, destination: string): Promise<Record<PackageName, string>> {
  const tarballs = {} as Record<PackageName, string>;
  for (const { name, folder } of PACKAGES) {
    const args = ['pack', '--json', '--pack-destination', destination, '--loglevel=error'];
    const output = await npm(source, folder === '' ? args : [...args, '--workspace', folder]);
    // The prepack build prints to stdout too; npm's JSON report is the last thing there.
    const report = output.slice(output.search(/^\[\s*$(?![\s\S]*^\[\s*$)/m));
    const [packed] = JSON.parse(report) as [{ filename: string; name: string }];
    if (packed.name !== name) throw new Error(`packed ${packed.name} where ${name} was expected`);
    tarballs[name] = join(destination, packed.filename);
  }
  return tarballs;
}

/** An empty project in `dir` with `tarball` installed alone: no workspace, no lockfile around it. */
export async function installAlone(dir: string, tarball: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'scratch', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  await npm(dir, ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error']);
}

/** Adds packages (tools the checks need, never measured) to a scratch project. */
export async function addTools(dir: string, specs: readonly string[]): Promise<void> {
  await npm(dir, [
    'install',
    '--save-dev',
    ...specs,
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
  ]);
}

export interface InstallSize {
  /** Packages in node_modules, the installed one included. */
  packages: number;
  /** Bytes on disk of node_modules (file sizes, not blocks). */
  bytes: number;
}

/** Counts the packages and bytes of a project's node_modules. */
export async function installSize(project: string): Promise<InstallSize> {
  const size: InstallSize = { packages: 0, bytes: 0 };
  await walk(join(project, 'node_modules'), size);
  return size;
}

async function walk(dir: string, size: InstallSize): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== '.bin' && (await isPackageRoot(path))) size.packages++;
      await walk(path, size);
    } else if (entry.isFile()) {
      size.bytes += (await lstat(path)).size;
    }
  }
}

/** A folder right under a node_modules (or a scope in one) that holds a package.json. */
async function isPackageRoot(path: string): Promise<boolean> {
  const parent = join(path, '..');
  const inNodeModules = parent.endsWith('node_modules') || /node_modules[/\\]@[^/\\]+$/.test(parent);
  if (!inNodeModules) return false;
  return lstat(join(path, 'package.json')).then(
    (stat) => stat.isFile(),
    () => false,
  );
}

/** A package's `dependencies`, as installed. */
export async function installedDependencies(project: string, name: string): Promise<string[]> {
  const manifest = JSON.parse(
    await readFile(join(project, 'node_modules', name, 'package.json'), 'utf8'),
  ) as {
    dependencies?: Record<string, string>;
  };
  return Object.keys(manifest.dependencies ?? {}).sort();
}

/** Megabytes with one decimal, as the README shows them. */
export const megabytes = (bytes: number): string => (bytes / 1_000_000).toFixed(1);
