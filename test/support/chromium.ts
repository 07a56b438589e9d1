import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from './debian-chromium.mjs';

export { CHROMIUM_ARGS, chromiumPath };

/** Launches headless Debian Chromium through playwright-core, with `extraArgs` after CHROMIUM_ARGS. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [...CHROMIUM_ARGS, ...extraArgs],
    headless: true,
  });
}
