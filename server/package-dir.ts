import { existsSync } from 'node:fs';

/**
 * The flight-board-server package's folder: the nearest folder above this module with a
 * package.json. That is `server/` when running from the sources and the install folder when
 * running the built `dist/`, so both find the same files beside it.
 */
function findPackageDir(from: URL): URL {
  for (let dir = new URL('./', from); ; dir = new URL('../', dir)) {
    if (existsSync(new URL('package.json', dir))) return dir;
    if (dir.pathname === '/') throw new Error(`no package.json above ${from.pathname}`);
  }
}

export const PACKAGE_DIR = findPackageDir(new URL(import.meta.url));

/** The demo page and the element bundles, copied here by the package's build. */
export const PUBLIC_DIR = new URL('dist/public/', PACKAGE_DIR);
