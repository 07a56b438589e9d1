// The README is tested like code: its API tables match custom-elements.json, it names every
// setting, its links resolve, and its snippets work — the HTML, CSS and JS in real Chromium
// against the real server (same origin and cross-origin), the conformance snippet in Node.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { flightBoardDeclaration, readManifest, withApi } from '../scripts/readme-api.ts';
import { CONFIG_OPTIONS } from '../server/config.ts';
import { SEED_FLIGHTS } from '../server/simulator.ts';
import { launchChromium } from './support/chromium.ts';
import { api, TEST_TOKEN } from './support/rest-client.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** The hosts the README's snippets point at; the tests point them at the test server. */
const SNIPPET_HOSTS = /https:\/\/your-server|http:\/\/localhost:5000/g;

/** The fenced blocks of the README with the given info string. */
function blocks(readme: string, info: string): string[] {
  const fence = new RegExp(`^\`\`\`${info}\\n([\\s\\S]*?)^\`\`\`$`, 'gm');
  return [...readme.matchAll(fence)].map((m) => m[1] ?? '');
}

/** Waits until the board on `page` shows every seed flight. */
async function seedRowsShown(page: Page): Promise<void> {
  await page.waitForFunction(
    (count) =>
      document.querySelector('flight-board')?.shadowRoot?.querySelectorAll('tbody tr').length === count,
    SEED_FLIGHTS.length,
    { timeout: 10_000 },
  );
}

describe('README.md', () => {
  let readme: string;
  before(async () => {
    readme = await readFile(`${ROOT}README.md`, 'utf8');
  });

  test('keeps the quick start commands', () => {
    for (const command of ['npm ci', 'npm start', 'npm test']) assert.ok(readme.includes(command), command);
  });

  test('its API tables are what `npm run docs:api` generates from custom-elements.json', async () => {
    assert.equal(readme, withApi(readme, await readManifest()), 'run `npm run docs:api`');
  });

  test('names every attribute, property, event, CSS part and custom property of the manifest', async () => {
    const element = flightBoardDeclaration(await readManifest());
    const names = [
      ...(element.attributes ?? []),
      ...(element.members ?? []).filter((m) => m.kind === 'field' && (m.privacy ?? 'public') === 'public'),
      ...(element.events ?? []),
      ...(element.cssParts ?? []),
      ...(element.cssProperties ?? []),
    ].map((item) => item.name);
    assert.ok(names.length > 30, `${names.length} names`);
    for (const name of names) assert.ok(readme.includes(`\`${name}\``), `README.md lacks \`${name}\``);
    const known = new Set(names);
    for (const [used] of readme.matchAll(/--flight-board-[a-z-]+/g)) {
      assert.ok(known.has(used), `README.md names ${used}, which the element does not have`);
    }
  });

  test('names every server setting', () => {
    for (const { env } of CONFIG_OPTIONS) assert.ok(readme.includes(`\`${env}\``), `README.md lacks ${env}`);
  });

  test("its links and images point at files of the repository, by path or by the repository's URL", () => {
    const targets = [...readme.matchAll(/\]\(([^)#\s]+)[^)]*\)/g)]
      .map((m) => m[1] ?? '')
      .map((t) =>
        t.replace(/^https:\/\/github\.com\/flight-board\/flight-board\/(?:blob|tree|raw)\/main\/?/, ''),
      )
      .filter((t) => !/^[a-z]+:/.test(t));
    assert.ok(targets.length >= 5, targets.join(', '));
    for (const target of targets) assert.ok(existsSync(`${ROOT}${target}`), `broken link: ${target}`);
  });
});

describe("README.md's snippets, run for real", () => {
  let server: TestServer;
  let browser: Browser;
  let other: Server;
  let otherOrigin: string;
  let page: string;

  before(async () => {
    const readme = await readFile(`${ROOT}README.md`, 'utf8');
    // Another origin for the cross-origin run: a plain static server with just the snippet page.
    other = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    server = await startTestServer({ token: TEST_TOKEN, corsOrigins: [otherOrigin] });
    for (const flight of SEED_FLIGHTS) await server.store.add({ ...flight });

    const html = blocks(readme, 'html');
    const [css = ''] = blocks(readme, 'css');
    assert.ok(html.length >= 2 && css, 'the README has its HTML and CSS snippets');
    page = `<!doctype html><html><head><style>${css}</style></head><body>${html.join('\n')}</body></html>`;
    page = page.replace(SNIPPET_HOSTS, server.url);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await new Promise((resolve) => other?.close(resolve));
  });

  test('the HTML snippets render the board on a page at the server origin; the CSS and JS snippets work', async () => {
    const tab = await browser.newPage();
    const errors: string[] = [];
    const logged: string[] = [];
    tab.on('pageerror', (error) => errors.push(error.message));
    tab.on('console', (message) => (message.type() === 'log' ? logged : errors).push(message.text()));
    await tab.route(`${server.url}/readme-snippet.html`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: page }),
    );
    try {
      await tab.goto(`${server.url}/readme-snippet.html`);
      await seedRowsShown(tab);
      // The CSS snippet: a custom property and a part, seen from outside.
      assert.equal(
        await tab.evaluate(() => getComputedStyle(document.querySelector('flight-board')!).backgroundColor),
        'rgb(5, 6, 7)',
      );
      // The JS snippet: its listener logs a landing.
      const [js = ''] = blocks(await readFile(`${ROOT}README.md`, 'utf8'), 'js').filter((b) =>
        b.includes('addEventListener'),
      );
      await tab.addScriptTag({ content: `{${js}}` });
      await api(server, 'PATCH', '/flights/I768', { body: { state: 'landed' } });
      await tab.waitForFunction(() => {
        const row = document.querySelector('flight-board')?.shadowRoot?.querySelector('[data-flight="I768"]');
        return row?.getAttribute('data-state') === 'landed';
      });
      for (let i = 0; i < 50 && logged.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(logged.includes('I768 landed'), `console: ${logged.join(' | ')}`);
      assert.equal(
        await tab.evaluate(() => {
          const row = document
            .querySelector('flight-board')
            ?.shadowRoot?.querySelector('[data-flight="I768"]');
          return row ? getComputedStyle(row).fontStyle : '';
        }),
        'italic',
        '::part(row-landed)',
      );
      assert.deepEqual(errors, []);
    } finally {
      await tab.close();
    }
  });

  test('the HTML snippets work from another origin, with CORS_ORIGINS naming it', async () => {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (error) => errors.push(error.message));
    try {
      await tab.goto(`${otherOrigin}/`);
      await seedRowsShown(tab);
      assert.equal(await tab.evaluate(() => document.querySelector('flight-board')?.status), 'live');
      assert.deepEqual(errors, []);
    } finally {
      await tab.close();
    }
  });

  test('the conformance library snippet passes against the server', async () => {
    const readme = await readFile(`${ROOT}README.md`, 'utf8');
    const [snippet = ''] = blocks(readme, 'js').filter((b) => b.includes("from 'sse-conformance'"));
    // Inside the repository, so `sse-conformance` resolves to the workspace's built dist/, in plain Node.
    const dir = `${ROOT}tmp/readme-snippet-${process.pid}`;
    await mkdir(dir, { recursive: true });
    try {
      const file = `${dir}/conformance-snippet.mjs`;
      const code = `import assert from 'node:assert/strict';\n${snippet.replace('http://127.0.0.1:5000', server.url)}`;
      await writeFile(file, code);
      await promisify(execFile)(process.execPath, [file], { cwd: ROOT, timeout: 60_000 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
