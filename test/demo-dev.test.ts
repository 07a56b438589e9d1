// `npm run dev` in one command: the reference server and Vite start, the demo is served with the
// element from its TypeScript sources, and the stream and the REST API go through Vite's proxy.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/chromium.ts';
import { freePort } from './support/free-port.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

describe('npm run dev', () => {
  let child: ChildProcess;
  let url: string;
  let token: string;
  let browser: Browser | undefined;

  before(async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.FLIGHT_BOARD_SERVER;
    delete env.FLIGHT_BOARD_TOKEN;
    child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts', '--port', String(port)], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm run dev did not start:\n${out}`)), 30_000);
      const onData = (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const demo = /demo \(hot reload\): (\S+)/.exec(out);
        const key = /operator token:\s+(\S+)/.exec(out);
        if (demo?.[1] && key?.[1]) {
          clearTimeout(timer);
          url = demo[1].replace(/\/$/, '');
          token = key[1];
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`npm run dev exited with ${code}:\n${out}`)));
    });
  });
  after(async () => {
    await browser?.close();
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  test('serves the demo with the element compiled from src/', async () => {
    const html = await (await fetch(`${url}/`)).text();
    assert.match(html, /<flight-board src="\/events" id="board"/);
    assert.match(html, /\/@vite\/client/, 'hot reload client injected');
    const element = await (await fetch(`${url}/flight-board.js`)).text();
    assert.match(element, /src\/flight-board\.ts/, 'the element comes from its sources, not dist/');
  });

  test('proxies the stream and the REST API to the reference server', async () => {
    const abort = new AbortController();
    const stream = await fetch(`${url}/events`, { signal: abort.signal });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = stream.body!.getReader();
    let text = '';
    while (!text.includes('flightSnapshot')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    abort.abort();
    assert.match(text, /^retry: \d+\n\nid: \d{1,20}-\d{1,20}\nevent: flightSnapshot\n/);

    const added = await fetch(`${url}/flights`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ flight: 'DEV1', origin: 'Vite', arrival: '12:00' }),
    });
    assert.equal(added.status, 201);
  });

  test('the board renders in Chromium from the dev server', async () => {
    browser = await launchChromium();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${url}/`);
    await page.waitForFunction(
      () =>
        (document.querySelector('flight-board')?.shadowRoot?.querySelectorAll('tbody tr').length ?? 0) >= 6,
      undefined,
      { timeout: 15_000 },
    );
    assert.deepEqual(errors, []);
  });
});
