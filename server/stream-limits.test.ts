import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { Http2SseClient } from '../test/support/http2-sse-client.ts';
import { capturedLogger } from '../test/support/log-capture.ts';
import { RawSseClient } from '../test/support/raw-sse-client.ts';
import { startTestServer, type TestServer } from '../test/support/test-server.ts';
import { until } from '../test/support/until.ts';

// ---- helpers ---------------------------------------------------------------------------

/** Opens `/events` on a raw socket that never reads: the kernel buffers fill, then the server's. */
function neverReadingClient(port: number): Socket {
  const socket = connect(port, '127.0.0.1');
  socket.pause();
  socket.on('error', () => undefined);
  socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
  return socket;
}

function connections(server: TestServer): Promise<number> {
  return new Promise((resolve, reject) =>
    server.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

/** Timers and sockets alive in this process, by kind (what a leak would grow). */
function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/**
 * Sends 8 KB events until the server evicts a client: up to ~12 MB (about 4 MB is needed), far
 * more than loopback socket buffers and HTTP/2 windows absorb before the server's buffer fills.
 */
async function floodUntilEviction(server: TestServer): Promise<void> {
  await server.store.add({ flight: 'S1', origin: 'x', arrival: '10:00', state: '' });
  const payload = 'x'.repeat(8000);
  for (let i = 0; i < 1500 && server.hub.stats.evictions === 0; i++) {
    await server.store.update({ flight: 'S1', state: `${i} ${payload}` });
    // Let the reading client read (it lives in this process too), as a real one would.
    if (i % 2 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

// ---- behaviour -------------------------------------------------------------------------

describe('a client that never reads', () => {
  test('is disconnected once its unsent bytes pass MAX_BUFFERED_BYTES, holding no more than that', async () => {
    const maxBufferedBytes = 128 * 1024;
    const { logger, entries } = capturedLogger('warn');
    const server = await startTestServer({ maxBufferedBytes }, { logger });
    const reader = RawSseClient.open(server.port, { path: '/events' });
    const stuck = neverReadingClient(server.port);
    try {
      await reader.waitForEvents(1);
      await until('both streams', () => server.hub.clientCount === 2);
      await floodUntilEviction(server);
      assert.equal(server.hub.stats.evictions, 1, 'the stuck client was dropped');
      const [eviction] = entries().filter((e) => e.msg?.toString().startsWith('slow client dropped'));
      assert.ok(eviction, 'the eviction is logged');
      const unsent = Number(eviction.unsentBytes);
      assert.ok(
        unsent > maxBufferedBytes && unsent <= maxBufferedBytes + 8200,
        `it held ${unsent} unsent bytes`,
      );
      assert.equal(server.hub.clientCount, 1, 'the reading client stays');
      let open = await connections(server);
      for (let i = 0; i < 100 && open !== 1; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        open = await connections(server);
      }
      assert.equal(open, 1, "the stuck client's socket is closed on the server: its buffer is freed");
      const sent = server.hub.stats.eventsSent;
      await reader.waitForEvents(1 + sent);
      assert.equal(reader.response.events.length, 1 + sent, 'the reader got every event');
    } finally {
      reader.close();
      stuck.destroy();
      await server.close();
    }
  });
});

describe('connect/disconnect churn', () => {
  test('2000 clients come and go (half before their snapshot) while events flow, and leave no client, timer or socket behind', async () => {
    const server = await startTestServer({ heartbeatMs: 50 });
    await server.store.add({ flight: 'C1', origin: 'x', arrival: '10:00', state: '' });
    const baseline = activeResources();
    try {
      const total = 2000;
      const batch = 50;
      for (let start = 0; start < total; start += batch) {
        await Promise.all(
          Array.from({ length: batch }, async (_, k) => {
            const client = RawSseClient.open(server.port, { path: '/events' });
            if ((start + k) % 2 === 0) await client.waitForEvents(1);
            client.close();
          }),
        );
        // Events keep flowing while clients come and go: writes to a stream whose socket is
        // already gone must be harmless.
        await server.store.update({ flight: 'C1', state: `batch ${start}` });
      }
      await until('every stream forgotten', () => server.hub.clientCount === 0);
      let open = await connections(server);
      const deadline = Date.now() + 2000;
      while (open > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        open = await connections(server);
      }
      assert.equal(open, 0, 'no server-side socket left open');
      assert.equal(server.hub.heartbeatActive, false, 'no heartbeat timer without clients');
      const now = activeResources();
      for (const kind of ['Timeout', 'TCPSocketWrap']) {
        assert.ok(
          (now[kind] ?? 0) <= (baseline[kind] ?? 0),
          `${kind}: ${now[kind]} now, ${baseline[kind]} before`,
        );
      }
      // Everyone who left is forgotten: a new client still works and is the only one.
      const last = RawSseClient.open(server.port, { path: '/events' });
      await last.waitForEvents(1);
      assert.equal(server.hub.clientCount, 1);
      last.close();
    } finally {
      await server.close();
    }
  });
});

describe('a client that never reads, over HTTP/2', () => {
  test('is dropped once its unsent bytes pass MAX_BUFFERED_BYTES, and the other stream on its connection carries on', async () => {
    const maxBufferedBytes = 128 * 1024;
    const { logger, entries } = capturedLogger('warn');
    const server = await startTestServer({ maxBufferedBytes }, { logger, protocol: 'h2' });
    const reader = Http2SseClient.open(server.port, { path: '/events' });
    // A stream on the same connection that stops reading: HTTP/2 flow control then holds the
    // server's bytes for it, while the connection's other stream must keep flowing.
    const stuck = Http2SseClient.open(server.port, { path: '/events' }, reader.session);
    try {
      await Promise.all([reader.waitForEvents(1), stuck.waitForEvents(1)]);
      stuck.pause();
      await floodUntilEviction(server);
      assert.equal(server.hub.stats.evictions, 1, 'the stuck stream was dropped');
      const [eviction] = entries().filter((e) => e.msg?.toString().startsWith('slow client dropped'));
      assert.ok(eviction, 'the eviction is logged');
      assert.ok(
        Number(eviction.unsentBytes) > maxBufferedBytes,
        `it held ${eviction.unsentBytes} unsent bytes`,
      );
      assert.equal(server.hub.clientCount, 1, 'the reading client stays');
      const sent = server.hub.stats.eventsSent;
      await reader.waitForEvents(1 + sent);
      assert.equal(reader.response.events.length, 1 + sent, 'the reader got every event');
    } finally {
      stuck.close();
      reader.close();
      await server.close();
    }
  });
});
