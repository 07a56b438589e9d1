// Debian's Chromium, the one browser build every suite here launches (wtr's config, which Node
// loads without TypeScript, and the Playwright-driven tests through chromium.ts): where it is and
// the flags it needs as root on a machine without outside network.
import { existsSync } from 'node:fs';

/** Flags for Debian's Chromium as root on a machine without outside network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Path of the system Chromium; throws (never skips) when there is none. */
export function chromiumPath() {
  const candidates = [process.env.CHROME_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((path) => path && existsSync(path));
  if (!found) {
    // Fail loudly: a browser test that silently does not run proves nothing.
    throw new Error(
      'No Chromium found (looked at CHROME_PATH, /usr/bin/chromium, /usr/bin/chromium-browser): ' +
        'install it with `apt-get install -y chromium` or set CHROME_PATH.',
    );
  }
  return found;
}
