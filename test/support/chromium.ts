import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

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
export function chromiumPath(): string {
  const candidates = [process.env.CHROME_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((path): path is string => Boolean(path && existsSync(path)));
  if (!found) {
    throw new Error('No Chromium found: install it with `apt-get install -y chromium` or set CHROME_PATH.');
  }
  return found;
}

/** Launches headless Debian Chromium through playwright-core, with `extraArgs` after CHROMIUM_ARGS. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [...CHROMIUM_ARGS, ...extraArgs],
    headless: true,
  });
}
