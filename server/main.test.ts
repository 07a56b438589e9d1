import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FlightEvent } from '../protocol/protocol.ts';
import { http2Request } from '../test/support/http2-request.ts';
import { Http2SseClient } from '../test/support/http2-sse-client.ts';
import { RawSseClient } from '../test/support/raw-sse-client.ts';
import { testCertificate } from '../test/support/test-certificate.ts';
import { threadNiceness } from '../test/support/thread-niceness.ts';
import { until } from '../test/support/until.ts';
import { BACKGROUND_NICENESS } from './background-threads.ts';

const BIN = fileURLToPath(new URL('./dist/main.js', import.meta.url));

// ---- helpers ---------------------------------------------------------------------------

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; at: number }>;
}

function run(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exit = once(child, 'exit').then(([code]) => ({ code: code as number | null, at: Date.now() }));
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** The port from the server's start line (the JSON entry with its `url`). */
async function listeningPort(server: Run, timeoutMs = 8000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = server
      .stdout()
      .split('\n')
      .find((l) => l.includes('"url":"'));
    if (line) return (JSON.parse(line) as { port: number }).port;
    if (Date.now() > deadline || server.child.exitCode !== null) {
      throw new Error(`no start line; stdout:\n${server.stdout()}\nstderr:\n${server.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// ---- behaviour -------------------------------------------------------------------------

describe('the flight-board-server process', () => {
  test('--help prints every flag and exits 0', async () => {
    const server = run(['--help']);
    const { code } = await server.exit;
    assert.equal(code, 0);
    assert.match(server.stdout(), /^Usage: flight-board-server \[options\]/);
    for (const flag of [
      '--port',
      '--cors-origins',
      '--flight-board-token',
      '--history-size',
      '--max-clients',
    ]) {
      assert.match(server.stdout(), new RegExp(flag));
    }
  });

  test('a bad setting stops it at start with exit code 2 and a message naming the value', async () => {
    const server = run(['--port', '0'], { HEARTBEAT_MS: 'often' });
    const { code } = await server.exit;
    assert.equal(code, 2);
    assert.match(server.stderr(), /HEARTBEAT_MS="often" is not valid: expected an integer/);
  });

  test('SIGTERM ends the streams without closedConnection, stops listening and exits 0 within 5 s', async () => {
    const server = run(['--port', '0', '--host', '127.0.0.1', '--simulate', '1', '--simulate-speed', '20']);
    try {
      const port = await listeningPort(server);
      const client = RawSseClient.open(port, { path: '/events' });
      await client.waitForEvents(2, 5000);
      const signalled = Date.now();
      server.child.kill('SIGTERM');
      const { events } = await client.waitForEnd(5000);
      assert.ok(
        events.every((e) => e.event !== FlightEvent.closed),
        'no closedConnection: clients should reconnect elsewhere',
      );
      const { code, at } = await server.exit;
      assert.equal(code, 0);
      assert.ok(at - signalled < 5000, `exited ${at - signalled} ms after SIGTERM`);
      assert.match(server.stdout(), /"msg":"stopped"/);
      await assert.rejects(fetch(`http://127.0.0.1:${port}/health`), 'nothing listens any more');
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  test('at start, one line: the URL to open, what is on, how to enable writes; the configuration only at debug', async () => {
    const server = run(['--port', '0', '--host', '127.0.0.1'], { LOG_LEVEL: 'info' });
    try {
      const port = await listeningPort(server);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const lines = server.stdout().trim().split('\n');
      assert.equal(lines.length, 1, server.stdout());
      const entry = JSON.parse(lines[0] ?? '{}') as { msg: string };
      assert.match(entry.msg, new RegExp(`open http://127\\.0\\.0\\.1:${port}/`));
      assert.match(entry.msg, /simulator off/);
      assert.match(entry.msg, /writes off: restart with --generate-token/);
      assert.doesNotMatch(server.stdout(), /"config"/);
    } finally {
      server.child.kill('SIGKILL');
    }
    const debug = run(['--port', '0', '--host', '127.0.0.1'], {
      LOG_LEVEL: 'debug',
      FLIGHT_BOARD_TOKEN: 'a-token-for-this-test',
    });
    try {
      await listeningPort(debug);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const dump = debug
        .stdout()
        .split('\n')
        .find((l) => l.includes('"msg":"configuration"'));
      assert.ok(dump, debug.stdout());
      const { config } = JSON.parse(dump) as { config: Record<string, unknown> };
      assert.equal(config.token, '[redacted]', 'a value that is set is redacted');
      assert.equal('redisUrl' in config, false, 'a value that is not set is not "[redacted]"');
      assert.doesNotMatch(debug.stdout(), /a-token-for-this-test/);
    } finally {
      debug.child.kill('SIGKILL');
    }
  });

  test("lowers V8's helper threads below its event loop, so that on a busy core the event loop goes first", async () => {
    const server = run(['--port', '0', '--host', '127.0.0.1']);
    try {
      await listeningPort(server);
      const { main, others } = threadNiceness(server.child.pid ?? 0);
      assert.equal(main, threadNiceness(process.pid).main, 'the event loop as started');
      assert.ok(
        others.filter((nice) => nice === BACKGROUND_NICENESS).length >= 1,
        `nice values of its other threads: ${others.join(' ')}`,
      );
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  test('--generate-token enables writes with a token shown once, outside the log, and never logged', async () => {
    const server = run(['--port', '0', '--host', '127.0.0.1', '--simulate', '1', '--generate-token']);
    try {
      const port = await listeningPort(server);
      await until('the token', () => server.stdout().includes('Try it'));
      const token = /never logged\):\n {2}(\S+)\n/.exec(server.stdout())?.[1];
      assert.ok(token, server.stdout());
      const answer = await fetch(`http://127.0.0.1:${port}/flights/I768`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ state: 'landed' }),
      });
      assert.equal(answer.status, 200);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const logLines = server
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('{'));
      assert.ok(logLines.length >= 2, 'the start line and the PATCH');
      assert.ok(
        logLines.every((l) => !l.includes(token)),
        'the token is in no log line',
      );
      assert.equal(server.stdout().split(token).length - 1, 1, 'shown once');
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  test('with TLS_CERT and TLS_KEY: HTTPS with HTTP/2 and HTTP/1.1 on one port, and SIGTERM still exits within 5 s', async () => {
    const certificate = testCertificate();
    const server = run(['--port', '0', '--host', '127.0.0.1', '--simulate', '1'], {
      TLS_CERT: certificate.certFile,
      TLS_KEY: certificate.keyFile,
    });
    try {
      const port = await listeningPort(server);
      assert.match(server.stdout(), new RegExp(`open https://127\\.0\\.0\\.1:${port}/ · HTTPS with HTTP/2`));
      const stream = Http2SseClient.open(port, { path: '/events' });
      const { headers, events } = await stream.waitForEvents(1, 5000);
      assert.equal(events[0]?.event, FlightEvent.snapshot);
      assert.equal(headers.connection, undefined);
      const page = await http2Request(port, '/');
      assert.equal(page.status, 200);
      const signalled = Date.now();
      server.child.kill('SIGTERM');
      await stream.waitForEnd(5000);
      const { code, at } = await server.exit;
      assert.equal(code, 0);
      assert.ok(at - signalled < 5000, `exited ${at - signalled} ms after SIGTERM`);
      stream.close();
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  test('a TLS_CERT that cannot be read stops it at start with exit code 2 and the path', async () => {
    const server = run(['--port', '0'], { TLS_CERT: '/nowhere/cert.pem', TLS_KEY: '/nowhere/key.pem' });
    const { code } = await server.exit;
    assert.equal(code, 2);
    assert.match(server.stderr(), /TLS_CERT="\/nowhere\/cert\.pem" cannot be read \(ENOENT\)/);
  });

  test('SIGINT shuts it down the same way', async () => {
    const server = run(['--port', '0', '--host', '127.0.0.1']);
    try {
      await listeningPort(server);
      const signalled = Date.now();
      server.child.kill('SIGINT');
      const { code, at } = await server.exit;
      assert.equal(code, 0);
      assert.ok(at - signalled < 5000);
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});
