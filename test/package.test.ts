// The published package: `npm pack`, install the tarball in an empty folder, run both bins
// (`--help`, then the server for real, checked by the conformance kit from the same install),
// and resolve every `exports` entry. Slow (an `npm install`), so it runs once, here.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Runs a bin of the installed package; resolves with its exit code and output. */
async function bin(folder: string, name: string, args: string[]) {
  try {
    const { stdout, stderr } = await run(join(folder, 'node_modules', '.bin', name), args, {
      cwd: folder,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Waits for the server's `"msg":"listening"` log line and returns its URL. */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${out}`)), 30_000);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
      const match = /"url":"([^"]+)"[^\n]*"msg":"listening"|"msg":"listening"[^\n]*"url":"([^"]+)"/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve((match[1] ?? match[2] ?? '').replace(/\/$/, ''));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}:\n${out}`));
    });
  });
}

describe('the npm package, installed from its tarball in an empty folder', () => {
  let work: string;
  let project: string;

  before(async () => {
    assert.ok(
      existsSync(join(ROOT, 'dist/flight-board.js')) && existsSync(join(ROOT, 'dist/types/define.d.ts')),
      'dist/ is incomplete: run `npm run build` first (npm test does)',
    );
    work = await mkdtemp(join(tmpdir(), 'flight-board-pack-'));
    const { stdout } = await run(NPM, ['pack', '--json', '--pack-destination', work], {
      cwd: ROOT,
      timeout: 60_000,
    });
    const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
    project = join(work, 'project');
    await run('mkdir', [project]);
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'pack-check', version: '1.0.0', private: true, type: 'module' }),
    );
    await run(
      NPM,
      ['install', join(work, filename), '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
      { cwd: project, timeout: 180_000 },
    );
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('holds the bundles, the manifest, the demo and the sources the bins need, and no tests', async () => {
    const installed = join(project, 'node_modules', 'flight-board');
    for (const file of [
      'dist/flight-board.js',
      'dist/flight-board.iife.js',
      'dist/types/define.d.ts',
      'custom-elements.json',
      'demo/index.html',
      'demo/classic.html',
      'server/main.ts',
      'server/index.ts',
      'src/protocol.ts',
      'conformance/index.ts',
      'README.md',
    ]) {
      assert.ok(existsSync(join(installed, file)), `${file} is in the package`);
    }
    assert.ok(!existsSync(join(installed, 'server/app.test.ts')), 'tests stay out of the package');
    assert.ok(!existsSync(join(installed, 'test')), 'the test folder stays out of the package');
  });

  test('flight-board-server --help and sse-conformance --help exit 0', async () => {
    const server = await bin(project, 'flight-board-server', ['--help']);
    assert.equal(server.code, 0, server.stderr);
    assert.match(server.stdout, /Usage: flight-board-server/);
    const kit = await bin(project, 'sse-conformance', ['--help']);
    assert.equal(kit.code, 0, kit.stderr);
    assert.match(kit.stdout, /Usage: sse-conformance/);
  });

  test('the installed server serves the demo and a stream that the installed kit passes', async () => {
    const child = spawn(
      join(project, 'node_modules', '.bin', 'flight-board-server'),
      ['--port', '0', '--host', '127.0.0.1', '--simulate', '1', '--heartbeat-ms', '1000'],
      { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await listeningUrl(child);
      const page = await fetch(`${url}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<flight-board/);
      const bundle = await fetch(`${url}/flight-board.js`);
      assert.equal(bundle.status, 200);
      await bundle.arrayBuffer();
      const kit = await bin(project, 'sse-conformance', [`${url}/events`, '--format', 'json']);
      assert.equal(kit.code, 0, `${kit.stdout}\n${kit.stderr}`);
      const report = JSON.parse(kit.stdout) as { summary: { failed: number; passed: number } };
      assert.equal(report.summary.failed, 0);
      assert.ok(report.summary.passed > 10, `${report.summary.passed} checks passed`);
    } finally {
      child.kill('SIGTERM');
    }
  });

  test('every export resolves: the element, its manifest, and the server and kit libraries under tsx', async () => {
    const script = `
      import { existsSync } from 'node:fs';
      import { fileURLToPath } from 'node:url';
      for (const name of ['flight-board', 'flight-board/define', 'flight-board/iife', 'flight-board/custom-elements.json']) {
        if (!existsSync(fileURLToPath(import.meta.resolve(name)))) throw new Error(name + ' does not resolve');
      }
      const server = await import('flight-board/server');
      const kit = await import('flight-board/conformance');
      console.log(JSON.stringify({ createApp: typeof server.createApp, runConformance: typeof kit.runConformance }));
    `;
    await writeFile(join(project, 'check.mjs'), script);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'check.mjs'], {
      cwd: project,
      timeout: 60_000,
    });
    assert.deepEqual(JSON.parse(stdout), { createApp: 'function', runConformance: 'function' });
    const manifest = JSON.parse(
      await readFile(join(project, 'node_modules/flight-board/custom-elements.json'), 'utf8'),
    ) as { modules: unknown[] };
    assert.ok(manifest.modules.length > 0);
  });
});
