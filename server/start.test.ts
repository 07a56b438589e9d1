import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { connect as connectTls } from 'node:tls';
import { Http2SseClient } from '../test/support/http2-sse-client.ts';
import { testCertificate } from '../test/support/test-certificate.ts';
import { createApp } from './app.ts';
import { DEFAULT_CONFIG } from './config.ts';
import { silentLogger } from './logger.ts';
import { createHttpsServer, LISTEN_BACKLOG, type RunningServer, startServer } from './start.ts';
import { MemoryStore } from './store/memory-store.ts';

/** More than Node's default listen backlog (511): a reconnect storm of this size. */
const STORM = 700;

/** The kernel's cap on any listen backlog; undefined where it cannot be read (not Linux). */
function somaxconn(): number | undefined {
  try {
    return Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
  } catch {
    return undefined;
  }
}

/** Blocks this thread (and so the server's accepts) for `ms`, as a busy server would. */
function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin: the kernel completes handshakes meanwhile, into the listen queue
  }
}

const cap = somaxconn();
test(`${STORM} clients connecting at once while the server is busy all connect without a resent SYN`, {
  skip: cap === undefined || cap < STORM ? `net.core.somaxconn is ${cap}, below ${STORM}` : false,
}, async () => {
  assert.ok(LISTEN_BACKLOG >= STORM);
  const running: RunningServer = await startServer(
    { ...DEFAULT_CONFIG, host: '127.0.0.1', port: 0, logLevel: 'silent' },
    silentLogger(),
  );
  const sockets: Socket[] = [];
  try {
    const started = performance.now();
    const connected = Array.from({ length: STORM }, () => {
      const socket = connect(running.port, '127.0.0.1');
      sockets.push(socket);
      return new Promise<number>((resolve, reject) => {
        socket.once('connect', () => resolve(performance.now() - started));
        socket.once('error', reject);
      });
    });
    // After the connects' own ticks: every SYN is sent, and nothing is accepted for 300 ms.
    process.nextTick(() => busyFor(300));
    const times = await Promise.all(connected);
    // A SYN dropped because the listen queue was full is resent after 1 s.
    assert.ok(Math.max(...times) < 950, `slowest connect took ${Math.round(Math.max(...times))} ms`);
  } finally {
    for (const socket of sockets) socket.destroy();
    await running.shutdown();
  }
});

test('over HTTPS, a slow sender is cut after the idle timeout, while a stream with heartbeats stays', async () => {
  const config = { ...DEFAULT_CONFIG, heartbeatMs: 200 };
  const store = new MemoryStore(DEFAULT_CONFIG.historySize);
  const { requestListener, hub } = createApp({ store, config });
  const certificate = testCertificate();
  const server = createHttpsServer(requestListener, certificate, 800);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  const stream = Http2SseClient.open(port, { path: '/events' });
  try {
    const started = Date.now();
    const cut = await new Promise<number>((resolve) => {
      const slow = connectTls(
        { port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] },
        () => slow.write('GET / HTTP/1.1\r\nHost: x\r\n'),
      );
      slow.on('error', () => undefined);
      slow.on('close', () => resolve(Date.now() - started));
    });
    assert.ok(cut >= 700 && cut < 3000, `cut after ${cut} ms`);
    await stream.waitForEvents(1);
    const comments = stream.response.comments.length;
    await new Promise((resolve) => setTimeout(resolve, 1200));
    assert.equal(stream.ended, false, 'the stream with heartbeats every 200 ms is still open');
    assert.ok(stream.response.comments.length > comments);
  } finally {
    stream.close();
    hub.dispose();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
