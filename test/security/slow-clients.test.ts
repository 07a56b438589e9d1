import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { FlightEvent } from '../../protocol/protocol.ts';
import { createApp, type FlightBoardApp } from '../../server/app.ts';
import { DEFAULT_CONFIG, type ServerConfig } from '../../server/config.ts';
import { silentLogger } from '../../server/logger.ts';
import { createHttpServer, HTTP_TIMEOUTS, startServer } from '../../server/start.ts';
import { MemoryStore } from '../../server/store/memory-store.ts';
import { RawSseClient } from '../support/raw-sse-client.ts';
import { TEST_TOKEN } from '../support/rest-client.ts';
import { rawGet, rawRequest } from './raw-http.ts';

// Slowloris-style clients (headers or a body a byte at a time) and sockets that never send
// anything are cut by the server's timeouts; streams are not; MAX_CLIENTS bounds the streams.

// ---- helpers ---------------------------------------------------------------------------

/** Short versions of the server's timeouts, so the test sees them fire. */
const SHORT = {
  headersTimeout: 400,
  requestTimeout: 800,
  connectionsCheckingInterval: 50,
  keepAliveTimeout: 500,
};

interface SlowServer extends FlightBoardApp {
  server: Server;
  port: number;
  config: ServerConfig;
}

/** The real app on the real HTTP server factory, with short timeouts. */
async function startSlowServer(overrides: Partial<ServerConfig> = {}): Promise<SlowServer> {
  const config: ServerConfig = {
    ...DEFAULT_CONFIG,
    host: '127.0.0.1',
    port: 0,
    token: TEST_TOKEN,
    ...overrides,
  };
  const built = createApp({ store: new MemoryStore(100), config });
  const server = createHttpServer(built.app, SHORT);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { ...built, server, config, port: (server.address() as AddressInfo).port };
}

async function stop(slow: SlowServer): Promise<void> {
  slow.hub.dispose();
  slow.server.closeAllConnections();
  await new Promise<void>((resolve) => slow.server.close(() => resolve()));
}

/** A socket that records what it got and when the server closed it. */
function openSocket(port: number): { socket: Socket; received: () => string; closedAt: Promise<number> } {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => undefined);
  const openedAt = Date.now();
  const closedAt = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - openedAt)));
  return { socket, received: () => received, closedAt };
}

/** Writes `text` one byte every `everyMs` until the socket closes (bounded by the text's length). */
function trickle(socket: Socket, text: string, everyMs: number): void {
  let at = 0;
  const timer = setInterval(() => {
    if (at >= text.length || socket.destroyed) clearInterval(timer);
    else socket.write(text[at++] ?? '');
  }, everyMs);
  socket.on('close', () => clearInterval(timer));
}

function connectionCount(server: Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
}

/** A bound with room for a loaded machine: the timeout, one check interval, and slack. */
const cutWithin = (timeoutMs: number) => timeoutMs + SHORT.connectionsCheckingInterval + 700;

// ---- behaviour -------------------------------------------------------------------------

describe('the real server process settings', () => {
  test(`startServer bounds slow clients: headersTimeout ${HTTP_TIMEOUTS.headersTimeout} ms, requestTimeout ${HTTP_TIMEOUTS.requestTimeout} ms`, async () => {
    const running = await startServer({ ...DEFAULT_CONFIG, host: '127.0.0.1', port: 0 }, silentLogger());
    try {
      const { server } = running;
      assert.ok('headersTimeout' in server, 'without TLS_CERT, a plain node:http server');
      assert.equal(server.headersTimeout, HTTP_TIMEOUTS.headersTimeout);
      assert.equal(server.requestTimeout, HTTP_TIMEOUTS.requestTimeout);
      assert.equal(server.keepAliveTimeout, HTTP_TIMEOUTS.keepAliveTimeout);
      assert.ok(HTTP_TIMEOUTS.headersTimeout <= 10_000 && HTTP_TIMEOUTS.connectionsCheckingInterval <= 1000);
    } finally {
      await running.shutdown();
    }
  });
});

describe('slow and idle clients (short timeouts: headers 400 ms, request 800 ms)', () => {
  let slow: SlowServer;
  before(async () => {
    slow = await startSlowServer();
  });
  after(() => stop(slow));

  test('50 slowloris clients sending a header byte every 50 ms are all cut with 408, while a normal client is served at once', async () => {
    const clients = Array.from({ length: 50 }, () => openSocket(slow.port));
    for (const { socket } of clients)
      trickle(socket, `GET /flights HTTP/1.1\r\nHost: x\r\n${'X-Slow: 1\r\n'.repeat(40)}\r\n`, 50);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const started = performance.now();
    const answer = await rawRequest(slow.port, rawGet('/flights'), { timeoutMs: 1000 });
    assert.equal(answer.status, 200);
    assert.ok(performance.now() - started < 300, 'the normal client was not kept waiting');
    const closed = await Promise.all(clients.map((c) => c.closedAt));
    for (const [i, ms] of closed.entries()) {
      assert.ok(ms <= cutWithin(SHORT.headersTimeout), `slow client ${i} held its socket ${ms} ms`);
      assert.match(clients[i]?.received() ?? '', /^HTTP\/1\.1 408 /);
    }
  });

  test('200 sockets that never send a byte are all closed by the headers timeout, leaving no connection', async () => {
    const idle = Array.from({ length: 200 }, () => openSocket(slow.port));
    const closed = await Promise.all(idle.map((c) => c.closedAt));
    assert.ok(
      Math.max(...closed) <= cutWithin(SHORT.headersTimeout),
      `longest idle socket: ${Math.max(...closed)} ms`,
    );
    assert.equal(await connectionCount(slow.server), 0);
  });

  test('a body sent a byte every 50 ms is cut by the request timeout and changes nothing', async () => {
    const client = openSocket(slow.port);
    const body = JSON.stringify({ flight: 'SLOW1', origin: 'x', arrival: '10:00' });
    client.socket.write(
      `POST /flights HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_TOKEN}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    trickle(client.socket, body, 50);
    const ms = await client.closedAt;
    assert.ok(ms <= cutWithin(SHORT.requestTimeout), `held ${ms} ms`);
    assert.doesNotMatch(client.received(), /^HTTP\/1\.1 201/);
    assert.deepEqual((await slow.hub.store.state()).flights, []);
  });

  test('a kept-alive connection idle after its request is closed after keepAliveTimeout', async () => {
    const client = openSocket(slow.port);
    client.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    const ms = await client.closedAt;
    assert.match(client.received(), /^HTTP\/1\.1 200 /);
    // Node waits up to 1 s past keepAliveTimeout so a request racing the close is not lost.
    assert.ok(ms <= cutWithin(SHORT.keepAliveTimeout + 1000), `held ${ms} ms`);
  });

  test('a stream is not a slow request: it stays open past the request timeout and keeps delivering', async () => {
    const stream = RawSseClient.open(slow.port, { path: '/events' });
    try {
      await stream.waitForEvents(1);
      await new Promise((resolve) => setTimeout(resolve, SHORT.requestTimeout * 2));
      await slow.hub.store.add({ flight: 'LIVE1', origin: 'x', arrival: '10:00', state: '' });
      const { events } = await stream.waitForEvents(2);
      assert.equal(events[1]?.event, FlightEvent.added);
      assert.equal(stream.ended, false);
    } finally {
      stream.close();
      await slow.hub.store.remove('LIVE1');
    }
  });
});

describe('MAX_CLIENTS with slow and idle sockets around', () => {
  test('5 streams fill MAX_CLIENTS=5: the 6th gets 503 at once, idle sockets take no stream slot, REST still answers', async () => {
    const slow = await startSlowServer({ maxClients: 5 });
    const idle = Array.from({ length: 30 }, () => openSocket(slow.port));
    const streams = Array.from({ length: 5 }, () => RawSseClient.open(slow.port, { path: '/events' }));
    try {
      await Promise.all(streams.map((s) => s.waitForEvents(1)));
      assert.equal(slow.hub.clientCount, 5);
      const sixth = await rawRequest(slow.port, rawGet('/events'), { timeoutMs: 1000 });
      assert.equal(sixth.status, 503);
      assert.ok(sixth.headers['retry-after']);
      assert.equal((await rawRequest(slow.port, rawGet('/flights'), { timeoutMs: 1000 })).status, 200);
      await Promise.all(idle.map((c) => c.closedAt));
      assert.equal(slow.hub.clientCount, 5, 'the streams outlive the idle sockets');
      streams[0]?.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const again = await rawRequest(slow.port, rawGet('/events'), { timeoutMs: 1000 });
      assert.equal(again.status, 200, 'a freed slot is reusable');
    } finally {
      for (const s of streams) s.close();
      for (const c of idle) c.socket.destroy();
      await stop(slow);
    }
  });
});
