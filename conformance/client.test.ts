import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { openStream } from './client.ts';

// The kit's raw client against hand-written responses on a plain TCP server, so that the
// bytes (and their split into TCP packets) are exactly what the test says.

async function rawServer(
  respond: (socket: Socket, request: string) => void,
): Promise<{ url: string; server: Server }> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    let request = '';
    socket.on('data', (d) => {
      request += d.toString('latin1');
      if (request.includes('\r\n\r\n')) respond(socket, request);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/events`, server };
}

/** Writes `bytes` one at a time, 1 ms apart: each byte its own TCP packet. */
async function trickle(socket: Socket, bytes: Buffer): Promise<void> {
  for (const byte of bytes) {
    if (socket.destroyed) return;
    socket.write(Buffer.from([byte]));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

const BODY = 'retry: 1000\n\nid: 1\nevent: a\ndata: x\n\nid: 2\ndata: y\r\n\r\n';

async function withServer(
  respond: (socket: Socket, request: string) => void,
  run: (url: string) => Promise<void>,
) {
  const { url, server } = await rawServer(respond);
  try {
    await run(url);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('StreamRecorder', () => {
  test('chunked response split into one TCP packet per byte (head, sizes and data) => 2 events', async () => {
    const chunks = BODY.match(/[\s\S]{1,7}/g) ?? [];
    const body = chunks.map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('');
    const response = `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n${body}`;
    await withServer(
      (socket) => void trickle(socket, Buffer.from(response)),
      async (url) => {
        const stream = openStream({ url });
        assert.ok(await stream.waitForEvents(2, 5000), `events: ${stream.reader.events.length}`);
        stream.close();
        assert.equal(stream.status, 200);
        assert.equal(stream.headers['transfer-encoding'], 'chunked');
        assert.deepEqual(
          stream.reader.events.map((e) => [e.lastEventId, e.type, e.data]),
          [
            ['1', 'a', 'x'],
            ['2', 'message', 'y'],
          ],
        );
        assert.ok(stream.reads.length >= 10, `reads: ${stream.reads.length}`);
        assert.deepEqual(stream.reader.retries, [{ raw: '1000', applied: true }]);
      },
    );
  });

  test('Content-Length and close-delimited bodies => read to the end', async () => {
    for (const framing of ['length', 'close'] as const) {
      const head =
        framing === 'length'
          ? `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: ${BODY.length}\r\n\r\n`
          : 'HTTP/1.0 200 OK\r\nContent-Type: text/event-stream\r\n\r\n';
      await withServer(
        (socket) => socket.end(head + BODY),
        async (url) => {
          const stream = openStream({ url });
          await stream.waitFor((s) => s.ended, 3000);
          assert.equal(stream.reader.events.length, 2, framing);
          assert.equal(stream.closedByUs, false);
        },
      );
    }
  });

  test('gzip body => decompressed before reading, header kept as evidence', async () => {
    const gz = gzipSync(BODY);
    await withServer(
      (socket) => {
        socket.write(
          `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`,
        );
        socket.end(gz);
      },
      async (url) => {
        const stream = openStream({ url });
        await stream.waitFor((s) => s.reader.events.length >= 2 || s.ended, 3000);
        assert.equal(stream.headers['content-encoding'], 'gzip');
        assert.equal(stream.reader.events.length, 2);
      },
    );
  });

  test('307 redirect => followed like a browser, hop recorded', async () => {
    await withServer(
      (socket, request) => {
        if (request.startsWith('GET /events '))
          socket.end('HTTP/1.1 307 Temporary Redirect\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n');
        else socket.end(`HTTP/1.0 200 OK\r\nContent-Type: text/event-stream\r\n\r\n${BODY}`);
      },
      async (url) => {
        const stream = openStream({ url });
        await stream.waitFor((s) => s.ended, 3000);
        assert.deepEqual(
          stream.hops.map((h) => [h.status, h.location]),
          [[307, '/next']],
        );
        assert.ok(stream.url.endsWith('/next'));
        assert.equal(stream.reader.events.length, 2);
      },
    );
  });

  test('sends the browser-like request headers, and the caller can drop one', async () => {
    let seen = '';
    await withServer(
      (socket, request) => {
        seen = request;
        socket.end('HTTP/1.1 204 No Content\r\n\r\n');
      },
      async (url) => {
        const stream = openStream({ url, headers: { 'Last-Event-ID': '7', Pragma: null } });
        await stream.waitFor((s) => s.ended, 3000);
        assert.equal(stream.status, 204);
      },
    );
    assert.match(seen, /^GET \/events HTTP\/1\.1\r\n/);
    assert.match(seen, /\r\nAccept: text\/event-stream\r\n/);
    assert.match(seen, /\r\nCache-Control: no-cache\r\n/);
    assert.match(seen, /\r\nLast-Event-ID: 7\r\n/);
    assert.doesNotMatch(seen, /Pragma/);
  });

  test('a refused connection => error recorded, no headers', async () => {
    const stream = openStream({ url: 'http://127.0.0.1:9/events' });
    await stream.waitFor((s) => s.ended, 3000);
    assert.equal(stream.headersAt, -1);
    assert.match(stream.describe(), /no response/);
  });
});
