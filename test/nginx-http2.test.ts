import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { describe, test } from 'node:test';
import { http2Request } from './support/http2-request.ts';
import { Http2SseClient } from './support/http2-sse-client.ts';
import { startNginx } from './support/nginx.ts';
import { cleanups, freshPrefix, startInstance, useRedisServer } from './support/redis-instances.ts';
import { TEST_TOKEN } from './support/rest-client.ts';

// deploy/nginx.conf as shipped (only its ports and certificate paths changed), terminating TLS
// with HTTP/2 in front of two instances over one Redis: what a production page talks to.

const CONNECTION_HEADERS = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade'];

describe('behind nginx over HTTP/2 (deploy/nginx.conf)', () => {
  const redisServer = useRedisServer();

  test('eight streams on one connection are all live, carry no connection headers, and one resumes after a drop', async () => {
    const prefix = freshPrefix('h2');
    const a = await startInstance(redisServer(), prefix);
    const b = await startInstance(redisServer(), prefix);
    const nginx = await startNginx([a.port, b.port]);
    cleanups.push(() => nginx.close());
    const session = connect(nginx.tlsUrl, { rejectUnauthorized: false });
    cleanups.push(() => session.destroy());
    const boards = Array.from({ length: 8 }, () =>
      Http2SseClient.open(nginx.tlsPort, { path: '/events' }, session),
    );
    cleanups.push(() => {
      for (const board of boards) board.close();
    });
    await Promise.all(boards.map((board) => board.waitForEvents(1, 5000)));
    assert.equal(session.alpnProtocol, 'h2', 'one HTTP/2 connection for all eight');
    assert.equal(a.hub.clientCount + b.hub.clientCount, 8);
    assert.ok(a.hub.clientCount >= 1 && b.hub.clientCount >= 1, 'spread over both instances');
    for (const board of boards) {
      assert.equal(board.response.status, 200);
      assert.equal(board.response.events[0]?.event, 'flightSnapshot');
      for (const name of CONNECTION_HEADERS) assert.equal(board.response.headers[name], undefined, name);
    }

    const write = (flight: string) =>
      http2Request(nginx.tlsPort, '/flights', {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ flight, origin: 'Rome', arrival: '10:10' }),
      });
    assert.equal((await write('N1')).status, 201);
    await Promise.all(boards.map((board) => board.waitForEvents(2, 5000)));
    assert.ok(boards.every((board) => board.response.events[1]?.event === 'flightAdded'));

    // A drop: the stream goes, the connection and the other seven stay; it resumes by id.
    const dropped = boards[0] as Http2SseClient;
    const lastId = dropped.response.events.at(-1)?.id ?? '';
    dropped.stream.close();
    assert.equal((await write('N2')).status, 201);
    const resumed = Http2SseClient.open(
      nginx.tlsPort,
      { path: '/events', headers: { 'Last-Event-ID': lastId } },
      session,
    );
    boards.push(resumed);
    const { events } = await resumed.waitForEvents(1, 5000);
    assert.equal(events[0]?.event, 'flightAdded', 'the missed event, not a snapshot');
    assert.match(events[0]?.data ?? '', /"flight":"N2"/);
    await Promise.all(boards.slice(1, 8).map((board) => board.waitForEvents(3, 5000)));
  });

  test('the page and the bundle come over HTTP/2 through nginx', async () => {
    const prefix = freshPrefix('h2');
    const a = await startInstance(redisServer(), prefix);
    const nginx = await startNginx([a.port]);
    cleanups.push(() => nginx.close());
    const page = await http2Request(nginx.tlsPort, '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /<flight-board/);
    const bundle = await http2Request(nginx.tlsPort, '/flight-board.js');
    assert.equal(bundle.status, 200);
    assert.equal(bundle.headers['access-control-allow-origin'], '*');
  });
});
