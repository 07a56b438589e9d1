import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import type { MemoryStore } from '../../server/store/memory-store.ts';
import { startTestServer } from '../support/test-server.ts';
import { SseBodyReader } from './chaos-clients.ts';

// Clients that stop reading are evicted once their unsent bytes pass MAX_BUFFERED_BYTES; the
// server's buffered bytes stay bounded the whole time; the clients that do read get every event,
// in order, without waiting on the stuck ones. (server/stream-limits.test.ts covers one stuck
// client; this is five of them among ten readers, with latency measured.)

// ---- helpers ---------------------------------------------------------------------------

interface Reader {
  socket: Socket;
  ids: string[];
  /** When each event id arrived (performance.now()). */
  arrivals: Map<string, number>;
}

function reader(port: number): Reader {
  const socket = connect(port, '127.0.0.1');
  const result: Reader = { socket, ids: [], arrivals: new Map() };
  const body = new SseBodyReader(
    () => undefined,
    ({ id }) => {
      result.ids.push(id);
      result.arrivals.set(id, performance.now());
    },
  );
  socket.on('data', (chunk: Buffer) => body.feed(chunk));
  socket.on('error', () => undefined);
  socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
  return result;
}

/** A client that sends its request and then never reads a byte. */
function stuckClient(port: number): Socket {
  const socket = connect(port, '127.0.0.1');
  socket.pause();
  socket.on('error', () => undefined);
  socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
  return socket;
}

async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// ---- behaviour -------------------------------------------------------------------------

test('5 stuck clients among 10 readers: all 5 evicted, buffered bytes bounded throughout, readers get every event promptly', async (t) => {
  const maxBufferedBytes = 128 * 1024;
  const payload = 'x'.repeat(8000);
  const server = await startTestServer({ maxBufferedBytes, heartbeatMs: 60_000 });
  const responses = new Set<ServerResponse>();
  server.server.on('request', (req, res) => {
    if (req.url?.startsWith('/events')) {
      responses.add(res);
      res.once('close', () => responses.delete(res));
    }
  });
  const readers = Array.from({ length: 10 }, () => reader(server.port));
  const stuck = Array.from({ length: 5 }, () => stuckClient(server.port));
  try {
    await until('15 streams', () => server.hub.clientCount === 15);
    await until('every reader snapshot', () => readers.every((r) => r.ids.length === 1));
    await server.store.add({ flight: 'S1', origin: 'x', arrival: '10:00', state: '' });
    const written = new Map<string, number>();
    let maxBuffered = 0;
    // Up to 1500 events of 8 KB (12 MB per client), then 100 more once the stuck ones are gone.
    let extra = 100;
    for (let i = 0; i < 1500 && extra > 0; i++) {
      const { event } = await server.store.update({ flight: 'S1', state: `${i} ${payload}` });
      written.set(event.id, performance.now());
      let buffered = 0;
      for (const res of responses) buffered += res.writableLength;
      maxBuffered = Math.max(maxBuffered, buffered);
      if (server.hub.stats.evictions === 5) extra--;
      if (i % 2 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(server.hub.stats.evictions, 5, 'every stuck client was dropped');
    assert.equal(server.hub.clientCount, 10, 'every reader stays');
    // Each stream holds at most MAX_BUFFERED_BYTES plus the event that crossed it.
    const bound = 15 * (maxBufferedBytes + payload.length + 200);
    assert.ok(maxBuffered <= bound, `the server buffered up to ${maxBuffered} bytes (bound ${bound})`);

    const id = (n: number) => (server.store as MemoryStore).idOf(n);
    const expectedIds = [id(0), id(1), ...written.keys()];
    await until('every event at every reader', () =>
      readers.every((r) => r.ids.length === expectedIds.length),
    );
    const latencies: number[] = [];
    for (const [i, r] of readers.entries()) {
      assert.deepEqual(r.ids, expectedIds, `reader ${i}: every event once, in order`);
      for (const [id, at] of written) latencies.push((r.arrivals.get(id) ?? Number.POSITIVE_INFINITY) - at);
    }
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? Number.POSITIVE_INFINITY;
    t.diagnostic(
      `${written.size} events, ${latencies.length} deliveries, p99 latency ${p99.toFixed(1)} ms, max buffered ${maxBuffered} B`,
    );
    assert.ok(p99 < 250, `p99 delivery latency to readers ${p99.toFixed(1)} ms`);
  } finally {
    for (const r of readers) r.socket.destroy();
    for (const s of stuck) s.destroy();
    await server.close();
  }
});
