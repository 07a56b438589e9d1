// The three packages as users get them: packed from a fresh checkout (so `prepack` must build
// everything), each installed alone into an empty project (no workspace links), and used there with
// plain Node, a strict TypeScript consumer, a Vite app and React in Chromium. Slow (npm installs),
// so everything runs once, here.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { readmeSizes } from '../scripts/install-sizes.ts';
import {
  ALLOWED_DEPENDENCIES,
  addTools,
  freshCheckout,
  type InstallSize,
  installAlone,
  installedDependencies,
  installSize,
  megabytes,
  PACKAGES,
  type PackageName,
  packAll,
  REPOSITORY,
  ROOT,
} from '../scripts/pack-install.ts';
import { launchChromium } from './support/chromium.ts';

const run = promisify(execFile);

/** Versions of the tools a consumer brings, pinned to what the repository itself builds with. */
const TOOLS = {
  typescript: 'typescript@7.0.2',
  nodeTypes: '@types/node@20.19.43',
  expressTypes: '@types/express@5.0.3',
  vite: 'vite@8.3.8',
  react: ['react@18.3.1', 'react-dom@18.3.1', '@types/react@18.3.12', '@types/react-dom@18.3.1'],
};

/** A strict consumer: the declarations themselves are checked too (skipLibCheck off). */
function consumerTsconfig(kind: 'node' | 'browser'): string {
  const compilerOptions =
    kind === 'node'
      ? { module: 'nodenext', moduleResolution: 'nodenext', types: ['node'], lib: ['es2023'] }
      : { module: 'esnext', moduleResolution: 'bundler', types: [], lib: ['es2023', 'dom', 'dom.iterable'] };
  return JSON.stringify({
    compilerOptions: {
      ...compilerOptions,
      target: 'es2022',
      strict: true,
      skipLibCheck: false,
      noEmit: true,
    },
    include: ['consumer.ts'],
  });
}

/** Runs a program of a scratch project; resolves with its exit code, output and time. */
async function runIn(cwd: string, file: string, args: string[], timeout = 60_000) {
  const started = performance.now();
  try {
    const { stdout, stderr } = await run(file, args, { cwd, timeout });
    return { code: 0, stdout, stderr, ms: performance.now() - started };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', ms: 0 };
  }
}

/** Starts the installed server on a free port; resolves with its URL once it listens. */
async function startInstalledServer(project: string, extraArgs: string[] = []) {
  const child = spawn(
    join(project, 'node_modules', '.bin', 'flight-board-server'),
    ['--port', '0', '--host', '127.0.0.1', '--simulate', '1', ...extraArgs],
    { cwd: project, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info' } },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (match && match[1] !== '0') {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${match[1]}`);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}:\n${out}`));
    });
  });
  return { url, child };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Reads the first `flightSnapshot` off a stream, or fails after `timeoutMs`. */
async function firstSnapshot(url: string, timeoutMs = 10_000): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  try {
    while (!/event: flightSnapshot\ndata: .*\n\n/.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
  } finally {
    await reader.cancel();
  }
  return text;
}

/** Every file path in a tarball, without npm's `package/` prefix. */
async function tarballFiles(tarball: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tzf', tarball], { maxBuffer: 16 * 1024 * 1024 });
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace(/^package\//, ''));
}

/** Serves a folder's files over HTTP on 127.0.0.1 (the React app's page). */
async function serveFolder(folder: string): Promise<{ url: string; server: Server }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = join(folder, path === '/' ? 'index.html' : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/**
 * Builds a one-page Vite app in `<project>/<name>/` from its `body` markup and `main.js` code;
 * resolves with the folder of the built files.
 */
async function buildViteApp(project: string, name: string, body: string, main: string): Promise<string> {
  const app = join(project, name);
  await mkdir(app, { recursive: true });
  await writeFile(
    join(app, 'index.html'),
    `<!doctype html>${body}<script type="module" src="./main.js"></script>`,
  );
  await writeFile(join(app, 'main.js'), main);
  const vite = join(project, 'node_modules', '.bin', 'vite');
  const build = await runIn(project, vite, ['build', name, '--outDir', 'dist', '--logLevel', 'error']);
  assert.equal(build.code, 0, build.stderr);
  return join(app, 'dist');
}

/** Text of every built JavaScript file of a Vite output folder. */
async function builtJavaScript(dir: string): Promise<string> {
  const assets = join(dir, 'assets');
  const files = (await readdir(assets)).filter((name) => name.endsWith('.js'));
  return (await Promise.all(files.map((name) => readFile(join(assets, name), 'utf8')))).join('\n');
}

describe('the three packages, packed from a fresh checkout and each installed alone', () => {
  let work: string;
  const tarballs = {} as Record<PackageName, string>;
  const projects = {} as Record<PackageName, string>;
  const sizes = {} as Record<PackageName, InstallSize>;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'flight-board-pack-'));
    const source = await freshCheckout(join(work, 'checkout'));
    assert.ok(!existsSync(join(source, 'dist')), 'the checkout starts with nothing built');
    Object.assign(tarballs, await packAll(source, work));
    for (const { name } of PACKAGES) {
      projects[name] = join(work, name);
      await installAlone(projects[name], tarballs[name]);
      sizes[name] = await installSize(projects[name]);
    }
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('each tarball holds its build, types, README, CHANGELOG and LICENSE, and no sources or tests', async () => {
    const expected: Record<PackageName, string[]> = {
      'flight-board': [
        'dist/index.js',
        'dist/element.js',
        'dist/react.js',
        'dist/cdn/flight-board.js',
        'dist/cdn/flight-board.iife.js',
        'dist/types/src/define.d.ts',
        'dist/types/src/element.d.ts',
        'dist/types/src/react.d.ts',
        'custom-elements.json',
      ],
      'flight-board-server': [
        'dist/main.js',
        'dist/index.js',
        'dist/types/server/index.d.ts',
        'dist/public/index.html',
        'dist/public/flight-board.js',
        'dist/public/flight-board.iife.js',
      ],
      'sse-conformance': ['dist/main.js', 'dist/index.js', 'dist/types/conformance/index.d.ts'],
    };
    for (const { name } of PACKAGES) {
      const files = await tarballFiles(tarballs[name]);
      for (const file of [...expected[name], 'README.md', 'CHANGELOG.md', 'LICENSE', 'package.json']) {
        assert.ok(files.includes(file), `${name} ships ${file}`);
      }
      const sources = files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
      assert.deepEqual(sources, [], `${name} ships no TypeScript sources`);
      assert.deepEqual(
        files.filter((file) => /\.test\.|(^|\/)test\/|fixtures/.test(file)),
        [],
        `${name} ships no tests or fixtures`,
      );
    }
  });

  test("each README's links resolve inside its tarball or point to the repository", async () => {
    for (const { name } of PACKAGES) {
      const files = await tarballFiles(tarballs[name]);
      const readme = await readFile(join(projects[name], 'node_modules', name, 'README.md'), 'utf8');
      const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => (m[1] ?? '').split('#')[0] ?? '');
      for (const target of targets.filter(Boolean)) {
        if (/^https?:\/\//.test(target)) {
          if (target.startsWith(REPOSITORY) && target !== REPOSITORY) {
            const path = target.replace(/^.*?\/(?:blob|tree|raw)\/main\/?/, '');
            assert.ok(
              existsSync(join(ROOT, path)),
              `${name}'s README links to ${target}, which does not exist`,
            );
          }
          continue;
        }
        assert.ok(files.includes(target), `${name}'s README links to ${target}, which is not in its tarball`);
      }
    }
  });

  test("runtime dependencies stay within DESIGN.md's table; build and test tools are dev-only", async () => {
    for (const { name } of PACKAGES) {
      const dependencies = await installedDependencies(projects[name], name);
      const extra = dependencies.filter((dep) => !ALLOWED_DEPENDENCIES[name].includes(dep));
      assert.deepEqual(extra, [], `${name} gained runtime dependencies`);
      for (const tool of ['tsx', 'typescript', 'vite', 'esbuild', '@web/test-runner', 'msw']) {
        assert.ok(!existsSync(join(projects[name], 'node_modules', tool)), `${name} installs ${tool}`);
      }
    }
    assert.ok(
      !existsSync(join(projects['sse-conformance'], 'node_modules', 'lit')),
      'the kit installs no Lit',
    );
    for (const heavy of ['express', 'ioredis', 'lit']) {
      assert.ok(
        !existsSync(join(projects['sse-conformance'], 'node_modules', heavy)),
        `the kit installs no ${heavy}`,
      );
    }
  });

  test('sse-conformance installs in at most 3 packages and under 1 MB', () => {
    const { packages, bytes } = sizes['sse-conformance'];
    assert.ok(packages <= 3, `${packages} packages`);
    assert.ok(bytes < 1_000_000, `${bytes} bytes`);
  });

  test("the README's install sizes are this test's measurements (`npm run sizes` rewrites them)", async () => {
    const stated = readmeSizes(await readFile(join(ROOT, 'README.md'), 'utf8'));
    for (const { name } of PACKAGES) {
      const measured = sizes[name];
      const row = stated[name];
      assert.ok(row, `README.md has no install-size row for ${name}: run \`npm run sizes\``);
      const summary = `README says ${row.packages} packages, ${row.mb} MB; measured ${measured.packages}, ${megabytes(measured.bytes)} MB: run \`npm run sizes\``;
      // A dependency's patch release moves these a little; the table must not drift further.
      assert.ok(Math.abs(row.packages - measured.packages) <= 2, `${name}: ${summary}`);
      assert.ok(
        Math.abs(row.mb - measured.bytes / 1_000_000) <= Math.max(0.2, row.mb * 0.1),
        `${name}: ${summary}`,
      );
    }
  });

  test('each library imports in plain Node, the element without a DOM', async () => {
    const checks: Record<PackageName, string> = {
      'flight-board': `
        const classOnly = await import('flight-board/element');
        // Lit's Node build shims customElements: the class alone must not register the tag.
        if (globalThis.customElements.get('flight-board')) throw new Error('flight-board/element registered');
        const element = await import('flight-board');
        if (typeof element.FlightBoardElement !== 'function') throw new Error('no FlightBoardElement');
        if (classOnly.FlightBoardElement !== element.FlightBoardElement) throw new Error('two classes');
        if (globalThis.customElements.get('flight-board') !== element.FlightBoardElement) throw new Error('not registered');
        console.log('element ok');`,
      'flight-board-server': `
        const { createApp, MemoryStore, DEFAULT_CONFIG } = await import('flight-board-server');
        const { app, requestListener } = createApp({ store: new MemoryStore(10), config: DEFAULT_CONFIG });
        if (typeof app.use !== 'function' || typeof requestListener !== 'function') throw new Error('no app');
        console.log('server ok');`,
      'sse-conformance': `
        const kit = await import('sse-conformance');
        if (typeof kit.runConformance !== 'function' || !Array.isArray(kit.CHECKS)) throw new Error('no checks');
        console.log('kit ok');`,
    };
    for (const { name } of PACKAGES) {
      await writeFile(join(projects[name], 'check.mjs'), checks[name]);
      const result = await runIn(projects[name], process.execPath, ['check.mjs']);
      assert.equal(result.code, 0, `${name}: ${result.stderr}`);
      assert.match(result.stdout, /ok/);
    }
  });

  test('both bins answer --version and --help; sse-conformance --version answers in under 1 s', async () => {
    for (const [project, bin] of [
      [projects['flight-board-server'], 'flight-board-server'],
      [projects['sse-conformance'], 'sse-conformance'],
    ] as const) {
      const path = join(project, 'node_modules', '.bin', bin);
      const version = await runIn(project, path, ['--version']);
      assert.equal(version.code, 0, version.stderr);
      assert.equal(version.stdout.trim(), '0.2.0');
      const help = await runIn(project, path, ['--help']);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, new RegExp(`Usage: ${bin}`));
    }
    const kit = join(projects['sse-conformance'], 'node_modules', '.bin', 'sse-conformance');
    const times: number[] = [];
    for (let i = 0; i < 3; i++) times.push((await runIn(projects['sse-conformance'], kit, ['--version'])).ms);
    assert.ok(
      Math.min(...times) < 1000,
      `sse-conformance --version took ${times.map(Math.round).join(', ')} ms`,
    );
  });

  test('the installed server serves the demo, the bundles and a stream that the installed kit passes', async () => {
    const { url, child } = await startInstalledServer(projects['flight-board-server'], [
      '--heartbeat-ms',
      '1000',
    ]);
    try {
      const page = await fetch(`${url}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<flight-board/);
      for (const bundle of ['flight-board.js', 'flight-board.iife.js']) {
        const response = await fetch(`${url}/${bundle}`);
        assert.equal(response.status, 200, bundle);
        assert.equal(response.headers.get('access-control-allow-origin'), '*');
        await response.arrayBuffer();
      }
      assert.match(await firstSnapshot(`${url}/events`), /"flight":"I768"/);
      const kit = await runIn(
        projects['sse-conformance'],
        join(projects['sse-conformance'], 'node_modules', '.bin', 'sse-conformance'),
        [`${url}/events`, '--format', 'json'],
      );
      assert.equal(kit.code, 0, `${kit.stdout}\n${kit.stderr}`);
      const report = JSON.parse(kit.stdout) as { summary: { failed: number; passed: number } };
      assert.equal(report.summary.failed, 0);
      assert.ok(report.summary.passed > 10, `${report.summary.passed} checks passed`);
    } finally {
      await stop(child);
    }
  });

  test('a strict consumer type-checks against each package (skipLibCheck: false)', async () => {
    const consumers: Record<PackageName, { kind: 'node' | 'browser'; tools: string[]; code: string }> = {
      'flight-board': {
        kind: 'browser',
        tools: [TOOLS.typescript, ...TOOLS.react],
        code: `
          import { createElement } from 'react';
          import 'flight-board';
          import { FlightBoardElement, type FlightChangeEvent } from 'flight-board/element';
          import { FlightBoard } from 'flight-board/react';
          const board: FlightBoardElement | null = document.querySelector('flight-board');
          board?.addEventListener('flight-board-change', (event) => {
            const kind: 'added' | 'updated' | 'removed' = event.kind;
            console.log(kind, event.flight.origin);
          });
          const created: FlightBoardElement = document.createElement('flight-board');
          created.src = '/events';
          const onChange = (event: FlightChangeEvent) => event.flight.flight;
          export const node = createElement(FlightBoard, { src: '/events', heading: 'Arrivals', onFlightBoardChange: onChange });
          // @ts-expect-error: src is a string
          createElement(FlightBoard, { src: 42 });`,
      },
      'flight-board-server': {
        kind: 'node',
        tools: [TOOLS.typescript, TOOLS.nodeTypes, TOOLS.expressTypes],
        code: `
          import { createServer } from 'node:http';
          import { createApp, DEFAULT_CONFIG, MemoryStore, type ServerConfig } from 'flight-board-server';
          const config: ServerConfig = { ...DEFAULT_CONFIG, token: 'secret' };
          const { app, requestListener, hub } = createApp({ store: new MemoryStore(100), config });
          app.get('/hello', (_req, res) => { res.send('hi'); });
          const clients: number = hub.clientCount;
          createServer(requestListener).listen(0, () => console.log(clients));`,
      },
      'sse-conformance': {
        kind: 'node',
        tools: [TOOLS.typescript, TOOLS.nodeTypes],
        code: `
          import { exitCodeOf, formatText, runConformance } from 'sse-conformance';
          const report = await runConformance({ url: 'http://127.0.0.1:5000/events' });
          const code: 0 | 1 | 2 = exitCodeOf(report);
          console.log(code, formatText(report));`,
      },
    };
    for (const { name } of PACKAGES) {
      const { kind, tools, code } = consumers[name];
      const project = projects[name];
      await addTools(project, tools);
      await writeFile(join(project, 'consumer.ts'), code);
      await writeFile(join(project, 'tsconfig.json'), consumerTsconfig(kind));
      const tsc = await runIn(project, join(project, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json']);
      assert.equal(tsc.code, 0, `${name}'s consumer does not type-check:\n${tsc.stdout}${tsc.stderr}`);
    }
  });

  test('a Vite app that uses Lit itself and imports the element bundles one copy of Lit', async () => {
    const project = projects['flight-board'];
    await addTools(project, [TOOLS.vite, 'lit@3']);
    const built = await buildViteApp(
      project,
      'lit-app',
      '',
      `import 'flight-board';
       import { LitElement, html } from 'lit';
       customElements.define('my-app', class extends LitElement {
         render() { return html\`<flight-board src="/events"></flight-board>\`; }
       });`,
    );
    const js = await builtJavaScript(built);
    // Each copy of lit-html and of ReactiveElement registers its version on globalThis once.
    assert.equal(js.match(/litHtmlVersions/g)?.length, 1, 'one lit-html');
    assert.equal(js.match(/reactiveElementVersions/g)?.length, 1, 'one ReactiveElement');
    assert.match(js, /flight-board/);
  });

  test('flight-board/react renders <FlightBoard> in React in Chromium, fed by the installed server', async () => {
    const project = projects['flight-board'];
    await addTools(project, [TOOLS.vite, ...TOOLS.react.slice(0, 2)]);
    const built = await buildViteApp(
      project,
      'react-app',
      '<div id="root"></div>',
      `import { createElement } from 'react';
       import { createRoot } from 'react-dom/client';
       import { FlightBoard } from 'flight-board/react';
       window.snapshots = 0;
       const src = new URLSearchParams(location.search).get('src');
       createRoot(document.getElementById('root')).render(
         createElement(FlightBoard, { src, heading: 'From React', onFlightBoardSnapshot: () => { window.snapshots++; } }),
       );`,
    );
    const page = await serveFolder(built);
    const server = await startInstalledServer(projects['flight-board-server'], ['--cors-origins', page.url]);
    const browser = await launchChromium();
    try {
      const tab = await browser.newPage();
      await tab.goto(`${page.url}/?src=${encodeURIComponent(`${server.url}/events`)}`);
      await tab.locator('flight-board tbody tr').nth(5).waitFor({ timeout: 15_000 });
      assert.equal(await tab.locator('flight-board caption').textContent(), 'From React');
      assert.ok((await tab.evaluate(() => (window as unknown as { snapshots: number }).snapshots)) >= 1);
    } finally {
      await browser.close();
      await stop(server.child);
      await new Promise((resolve) => page.server.close(resolve));
    }
  });
});
