import assert from 'node:assert/strict';
import { connect as connectHttp2 } from 'node:http2';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import type { Flight } from '../../protocol/protocol.ts';
import { Http2SseClient } from '../../test/support/http2-sse-client.ts';
import { capturedLogger } from '../../test/support/log-capture.ts';
import type { RawResponse } from '../../test/support/raw-sse-client.ts';
import {
  PROTOCOLS,
  type SseClient,
  startTestServer,
  type TestProtocol,
} from '../../test/support/test-server.ts';
import { until } from '../../test/support/until.ts';

// ---- helpers ---------------------------------------------------------------------------

/** A board of `count` flights of ~15 KB each (an extra field): 72 of them pass 1 MiB. */
function bigFlight(n: number): Flight {
  return {
    flight: `B${n}`,
    origin: 'Rome',
    arrival: '10:10',
    state: '',
    notes: 'x'.repeat(15_000),
  } as Flight;
}

/** The raw answer to one HTTP/1.0 request, read until the server closes the connection. */
function http10(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      // The head and the first event are enough: the stream itself never ends.
      if (text.includes('event: flightSnapshot')) socket.destroy();
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    socket.write(`GET ${path} HTTP/1.0\r\nAccept: text/event-stream\r\n\r\n`);
  });
}

/** The whole error JSON of a refused stream (over HTTP/1.1 the connection stays open after it). */
function refusal(client: SseClient): Promise<RawResponse> {
  return client.waitFor((r) => r.status !== 0 && r.body.endsWith('}}'), 3000, 'the error JSON');
}

/** The suite that must hold over HTTP/1.1 and HTTP/2 alike. */
function acceptSuite(protocol: TestProtocol): void {
  describe('a catch-up larger than MAX_BUFFERED_BYTES', () => {
    test('reaches a client that reads, which then stays live (a board of 72 flights × 15 KB)', async () => {
      const server = await startTestServer({ maxBufferedBytes: 64 * 1024 }, { protocol });
      for (let i = 0; i < 72; i++) await server.store.add(bigFlight(i));
      const client = server.openStream();
      try {
        await client.waitForEvents(1, 10_000);
        assert.equal(client.response.events[0]?.event, 'flightSnapshot');
        await server.store.update({ flight: 'B0', state: 'landed' });
        await client.waitForEvents(2);
        assert.equal(server.hub.stats.evictions, 0, 'never evicted for its own catch-up');
        assert.equal(server.hub.clientCount, 1);
      } finally {
        client.close();
        await server.close();
      }
    });

    test('a client that does not read is evicted for what piles up behind it, not for its catch-up', async () => {
      const maxBufferedBytes = 64 * 1024;
      const server = await startTestServer({ maxBufferedBytes }, { protocol });
      for (let i = 0; i < 72; i++) await server.store.add(bigFlight(i));
      const client = server.openStream();
      client.pause();
      try {
        await until('the snapshot is written', () => server.hub.stats.snapshots === 1);
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal(server.hub.stats.evictions, 0, 'its catch-up alone does not evict it');
        const payload = 'y'.repeat(8000);
        // Bounded: well over MAX_BUFFERED_BYTES plus what loopback and HTTP/2 windows absorb.
        for (let i = 0; i < 600 && server.hub.stats.evictions === 0; i++) {
          await server.store.update({ flight: 'B1', state: `${i} ${payload}` });
          if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
        assert.equal(server.hub.stats.evictions, 1, 'evicted once live events pile up unread');
      } finally {
        client.close();
        await server.close();
      }
    });
  });

  describe('MAX_CLIENTS_PER_IP', () => {
    test('one stream too many from one address answers 503 with Retry-After; a freed slot is reusable', async () => {
      const server = await startTestServer({ maxClientsPerIp: 2, retryMs: 2000 }, { protocol });
      const clients = [server.openStream(), server.openStream()];
      try {
        await Promise.all(clients.map((c) => c.waitForEvents(1)));
        const refused = server.openStream();
        const answer = await refusal(refused);
        assert.equal(answer.status, 503);
        assert.equal(answer.headers['retry-after'], '2');
        assert.match(answer.body, /"code":"too-many-clients-per-ip"/);
        assert.match(answer.body, /MAX_CLIENTS_PER_IP/);
        const counted = await server.metrics.rejectedClients.get();
        assert.equal(counted.values[0]?.value, 1, 'counted in flight_board_clients_rejected_total');
        clients[0]?.close();
        await until('the slot is freed', () => server.hub.clientCount === 1);
        const next = server.openStream();
        clients.push(next);
        await next.waitForEvents(1);
      } finally {
        for (const client of clients) client.close();
        await server.close();
      }
    });
  });

  describe('refused streams in the log', () => {
    test('20 refusals in a row log one warning line, not 20', async () => {
      const { logger, entries } = capturedLogger('warn');
      const server = await startTestServer({ maxClients: 1 }, { logger, protocol });
      const held = server.openStream();
      try {
        await held.waitForEvents(1);
        for (let i = 0; i < 20; i++) {
          const refused = server.openStream();
          assert.equal((await refusal(refused)).status, 503);
          refused.close();
        }
        const lines = entries().filter((e) => String(e.msg).startsWith('stream refused'));
        assert.equal(lines.length, 1, JSON.stringify(lines));
      } finally {
        held.close();
        await server.close();
      }
    });
  });

  describe('CORS on every /events answer', () => {
    const ALLOWED = 'https://board.example';

    test('an allowed Origin is echoed with credentials and Vary: Origin; another gets no CORS header', async () => {
      const server = await startTestServer({ corsOrigins: [ALLOWED] }, { protocol });
      const allowed = server.openStream({ headers: { Origin: ALLOWED } });
      const other = server.openStream({ headers: { Origin: 'https://evil.example' } });
      try {
        const { headers } = await allowed.waitForEvents(1);
        assert.equal(headers['access-control-allow-origin'], ALLOWED);
        assert.equal(headers['access-control-allow-credentials'], 'true');
        assert.match(headers.vary ?? '', /Origin/);
        const refused = (await other.waitForEvents(1)).headers;
        assert.equal(refused['access-control-allow-origin'], undefined);
        assert.equal(refused['access-control-allow-credentials'], undefined);
        assert.match(refused.vary ?? '', /Origin/);
      } finally {
        allowed.close();
        other.close();
        await server.close();
      }
    });

    test('CORS_ORIGINS=* answers * without credentials, on the 204 and the 503 too', async () => {
      const server = await startTestServer({ corsOrigins: ['*'], maxClients: 1 }, { protocol });
      const held = server.openStream({ headers: { Origin: ALLOWED } });
      try {
        const { headers } = await held.waitForEvents(1);
        assert.equal(headers['access-control-allow-origin'], '*');
        assert.equal(headers['access-control-allow-credentials'], undefined);
        const full = server.openStream({ headers: { Origin: ALLOWED } });
        const answer = await refusal(full);
        full.close();
        assert.equal(answer.status, 503);
        assert.equal(answer.headers['access-control-allow-origin'], '*');
        held.close();
        await until('the slot is freed', () => server.hub.clientCount === 0);
        await server.hub.closeAll();
        const closed = server.openStream({ headers: { Origin: ALLOWED } });
        const { status, headers: closedHeaders } = await closed.waitFor((r) => r.status !== 0);
        closed.close();
        assert.equal(status, 204);
        assert.equal(closedHeaders['access-control-allow-origin'], '*');
      } finally {
        held.close();
        await server.close();
      }
    });
  });

  describe('churn', () => {
    test('300 clients come and go (half before their snapshot) while events flow, and none is left behind', async () => {
      const server = await startTestServer({ maxClientsPerIp: 60 }, { protocol });
      await server.store.add({ flight: 'C1', origin: 'x', arrival: '10:00', state: '' });
      try {
        for (let start = 0; start < 300; start += 30) {
          await Promise.all(
            Array.from({ length: 30 }, async (_, k) => {
              const client = server.openStream();
              if ((start + k) % 2 === 0) await client.waitForEvents(1);
              client.close();
            }),
          );
          await server.store.update({ flight: 'C1', state: `batch ${start}` });
        }
        await until('every stream forgotten', () => server.hub.clientCount === 0);
        assert.equal(server.hub.heartbeatActive, false);
        // Every address's count went back to zero: a new client is not refused.
        const last = server.openStream();
        await last.waitForEvents(1);
        last.close();
      } finally {
        await server.close();
      }
    });
  });

  describe('one way in, whoever calls it', () => {
    test('a URL Express routes to the stream (/events/) gets the same answers: CORS, the stream, 503 when full', async () => {
      const server = await startTestServer({ corsOrigins: ['*'], maxClients: 1 }, { protocol });
      const viaExpress = server.openStream({
        path: '/events/',
        headers: { Origin: 'https://board.example' },
      });
      try {
        const { headers, events } = await viaExpress.waitForEvents(1);
        assert.equal(headers['access-control-allow-origin'], '*');
        assert.equal(events[0]?.event, 'flightSnapshot');
        const full = server.openStream({ path: '/events/' });
        const answer = await refusal(full);
        full.close();
        assert.equal(answer.status, 503);
        assert.match(answer.body, /MAX_CLIENTS/);
      } finally {
        viaExpress.close();
        await server.close();
      }
    });
  });

  describe('another method on /events', () => {
    test('POST /events answers 405 with Allow: GET, HEAD and the error JSON, holding no slot', async () => {
      const server = await startTestServer({}, { protocol });
      const post = server.openStream({ method: 'POST', headers: { 'Content-Length': '0' } });
      try {
        const answer = await refusal(post);
        assert.equal(answer.status, 405);
        assert.equal(answer.headers.allow, 'GET, HEAD');
        assert.match(answer.body, /"code":"method-not-allowed"/);
        assert.equal(server.hub.clientCount, 0);
      } finally {
        post.close();
        await server.close();
      }
    });
  });

  describe('HEAD /events', () => {
    test('answers the stream head without a body, completes, and holds no stream slot', async () => {
      const server = await startTestServer({ maxClients: 1 }, { protocol });
      try {
        const head = server.openStream({ method: 'HEAD' });
        const answer = await head.waitFor((r) => r.status !== 0);
        await new Promise((resolve) => setTimeout(resolve, 100)); // a body would have come by now
        assert.equal(answer.status, 200);
        assert.match(answer.headers['content-type'] ?? '', /^text\/event-stream/);
        assert.equal(answer.body, '');
        assert.equal(server.hub.clientCount, 0);
        head.close();
        const stream = server.openStream();
        await stream.waitForEvents(1); // MAX_CLIENTS=1: the HEAD took no slot
        stream.close();
      } finally {
        await server.close();
      }
    });
  });
}

for (const protocol of PROTOCOLS) describe(`over ${protocol}`, () => acceptSuite(protocol));

describe('a slow stream on a shared HTTP/2 connection', () => {
  test('is evicted alone: the other stream of the same connection stays live and gets every event', async () => {
    const server = await startTestServer({ maxBufferedBytes: 64 * 1024 }, { protocol: 'h2' });
    const session = connectHttp2(`https://127.0.0.1:${server.port}`, { rejectUnauthorized: false });
    // As browsers do (Chromium: 15 MB), a connection window far larger than one stream's, so
    // the unread stream fills its own window and not the whole connection's.
    session.on('connect', () => session.setLocalWindowSize(16 * 1024 * 1024));
    const reader = Http2SseClient.open(server.port, { path: '/events' }, session);
    const stuck = Http2SseClient.open(server.port, { path: '/events' }, session);
    try {
      await Promise.all([reader.waitForEvents(1), stuck.waitForEvents(1)]);
      stuck.pause();
      await server.store.add({ flight: 'S1', origin: 'x', arrival: '10:00', state: '' });
      const payload = 'z'.repeat(8000);
      let sent = 0;
      for (let i = 0; i < 600 && server.hub.stats.evictions === 0; i++, sent++) {
        await server.store.update({ flight: 'S1', state: `${i} ${payload}` });
        if (i % 4 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal(server.hub.stats.evictions, 1, 'the paused stream was evicted');
      await until('the evicted stream to end', () => stuck.ended, 3000);
      await server.store.update({ flight: 'S1', state: 'after' });
      await reader.waitForEvents(1 + 1 + sent + 1, 10_000); // snapshot, add, updates, after
      assert.equal(reader.ended, false);
      assert.equal(session.closed || session.destroyed, false, 'the connection is still open');
      assert.equal(server.hub.clientCount, 1);
    } finally {
      reader.close();
      stuck.close();
      session.destroy();
      await server.close();
    }
  });
});

describe('connection-specific headers', () => {
  test('an HTTP/2 stream sends none (Connection, Keep-Alive, Transfer-Encoding, Upgrade)', async () => {
    const server = await startTestServer({}, { protocol: 'h2' });
    const client = server.openStream();
    try {
      const { headers } = await client.waitForEvents(1);
      for (const name of ['connection', 'keep-alive', 'transfer-encoding', 'upgrade']) {
        assert.equal(headers[name], undefined, name);
      }
      assert.equal(headers['x-accel-buffering'], 'no');
    } finally {
      client.close();
      await server.close();
    }
  });

  test('an HTTP/1.1 stream says Connection: keep-alive; an HTTP/1.0 one does not (its body ends with the connection)', async () => {
    const server = await startTestServer();
    const client = server.openStream();
    try {
      assert.equal((await client.waitForEvents(1)).headers.connection, 'keep-alive');
      const old = await http10(server.port, '/events');
      assert.match(old, /^HTTP\/1\.1 200 /);
      assert.doesNotMatch(old, /^connection: keep-alive/im);
      assert.match(old, /event: flightSnapshot/);
    } finally {
      client.close();
      await server.close();
    }
  });
});
