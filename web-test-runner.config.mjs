// Browser tests run in real Chromium, Firefox ESR and WebKit (WebKitGTK's MiniBrowser): Debian's
// packages, never a downloaded build. A missing browser fails the run loudly: a test that silently
// does not run proves nothing.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner';
import * as puppeteerCore from 'puppeteer-core';
import { createFirefoxPage } from './test/browser/firefox-page.mjs';
import { scriptedSseMiddleware } from './test/browser/scripted-sse-server.mjs';
import { webkitLauncher } from './test/browser/webkit-launcher.mjs';
import { CHROMIUM_ARGS, chromiumPath } from './test/support/debian-chromium.mjs';

/** Each engine's launcher, made only when the run asks for that engine. */
const LAUNCHERS = {
  chromium: () =>
    chromeLauncher({
      launchOptions: { executablePath: chromiumPath(), headless: true, args: [...CHROMIUM_ARGS] },
    }),
  firefox: () => {
    const FIREFOX = '/usr/bin/firefox-esr';
    if (!existsSync(FIREFOX)) {
      throw new Error(`No Firefox ESR at ${FIREFOX}. Install it with \`apt-get install -y firefox-esr\`.`);
    }
    return chromeLauncher({
      puppeteer: puppeteerCore,
      launchOptions: {
        browser: 'firefox',
        executablePath: FIREFOX,
        headless: true,
        args: ['--remote-allow-system-access'],
      },
      createPage: createFirefoxPage,
    });
  },
  webkit: webkitLauncher,
};

// BROWSERS=webkit (or firefox,chromium…) runs a subset while working on one engine; `npm test`
// leaves it unset and runs all three.
const wanted = (process.env.BROWSERS ?? Object.keys(LAUNCHERS).join(','))
  .split(',')
  .map((name) => name.trim());
if (process.env.CI && process.env.BROWSERS) {
  throw new Error('BROWSERS is set in CI: the suite must run in every engine there. Unset it.');
}
const unknown = wanted.filter((name) => !(name in LAUNCHERS));
if (unknown.length) {
  throw new Error(
    `BROWSERS names ${unknown.join(', ')}: the engines are ${Object.keys(LAUNCHERS).join(', ')}.`,
  );
}
const browsers = await Promise.all(wanted.map((name) => LAUNCHERS[name]()));

export default {
  files: ['src/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  testFramework: { config: { timeout: 10000 } },
  plugins: [
    esbuildPlugin({
      ts: true,
      target: 'es2022',
      tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)),
    }),
  ],
  middleware: [
    // Real SSE streams scripted by the tests, for engines where msw cannot stream (WebKit).
    scriptedSseMiddleware,
    // The built bundles are served byte for byte: the esbuild plugin would otherwise rewrite
    // them, and the size-budget and IIFE tests must see exactly what ships.
    async (context, next) => {
      const path = context.path;
      if (!/^\/dist\/(cdn\/)?[\w.-]+\.js$/.test(path)) return next();
      try {
        context.body = await readFile(new URL(`.${path}`, import.meta.url));
        context.type = 'application/javascript';
      } catch {
        context.status = 404;
        context.body = `${path} is missing: run \`npx vite build\` first`;
      }
    },
    // msw's service worker must be served from the root scope.
    (context, next) => {
      if (context.url === '/mockServiceWorker.js') context.url = '/node_modules/msw/lib/mockServiceWorker.js';
      return next();
    },
  ],
  browsers,
};
