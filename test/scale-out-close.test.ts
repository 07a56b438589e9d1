import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { FlightEvent } from '../protocol/protocol.ts';
import type { ServerConfig } from '../server/config.ts';
import { startNginx } from './support/nginx.ts';
import type { RawSseClient } from './support/raw-sse-client.ts';
import {
  cleanups,
  freshPrefix,
  openStream,
  runCleanups,
  startInstance,
  useRedisServer,
} from './support/redis-instances.ts';
import { startRedisServer, type TestRedisServer } from './support/redis-server.ts';
import { api } from './support/rest-client.ts';
import type { TestServer } from './support/test-server.ts';

// `POST /close` and `POST /open` over several instances sharing one real redis-server: the
// closed state lives in Redis, so whichever instance takes the request, every instance closes
// its streams (each client gets `closedConnection` once) and answers 204, until an open on any.

const ORIGIN = 'https://board.example';

/** An instance that allows the test origin, so CORS headers on the 204 can be checked. */
function startCorsInstance(redis: TestRedisServer, keyPrefix: string, overrides: Partial<ServerConfig> = {}) {
  return startInstance(redis, keyPrefix, { corsOrigins: [ORIGIN], ...overrides });
}

/** Opens a stream and waits for its first event (the snapshot, or the first replayed one). */
async function connected(port: number, lastEventId?: string): Promise<RawSseClient> {
  const client = openStream(port, lastEventId);
  await client.waitForEvents(1);
  return client;
}

/**
 * A stream read with fetch: resolves with its whole body once the server ends the response
 * (the raw clients' sockets stay open for keep-alive, so they cannot tell).
 */
async function wholeStream(port: number): Promise<{ body: Promise<string> }> {
  const res = await fetch(`http://127.0.0.1:${port}/events`);
  assert.equal(res.status, 200);
  const body = res.text();
  body.catch(() => undefined); // cut when its server closes, if the test failed before the close
  return { body }; // wrapped: an async function would wait for a returned promise
}

/** Waits for a raw client's closedConnection. */
function closedBy(client: RawSseClient): Promise<unknown> {
  return client.waitFor((r) => r.events.at(-1)?.event === FlightEvent.closed, 3000, 'closedConnection');
}

/** `GET /events` with an allowed Origin: its status and CORS header. */
async function events(server: TestServer): Promise<{ status: number; cors: string | null }> {
  const controller = new AbortController();
  const res = await fetch(`${server.url}/events`, { headers: { Origin: ORIGIN }, signal: controller.signal });
  controller.abort(); // a 200 is a stream that would never end
  return { status: res.status, cors: res.headers.get('access-control-allow-origin') };
}

async function health(server: TestServer): Promise<{ closed: boolean }> {
  return (await api(server, 'GET', '/health')).body as { closed: boolean };
}

async function until(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const flight = (key: string) => ({ flight: key, origin: 'Rome', arrival: '10:10', state: 'scheduled' });

function closedEvents(client: RawSseClient) {
  return client.response.events.filter((e) => e.event === FlightEvent.closed);
}

describe('scale-out: /close and /open act on every instance', () => {
  const redisServer = useRedisServer();

  test('close via A ends the streams of A and B (closedConnection once each); both 204 until open via B', async () => {
    const prefix = freshPrefix('close');
    const a = await startCorsInstance(redisServer(), prefix);
    const b = await startCorsInstance(redisServer(), prefix);
    assert.equal((await api(a, 'POST', '/flights', { body: flight('C1') })).status, 201);
    const clients = [
      await connected(a.port),
      await connected(a.port),
      await connected(b.port),
      await connected(b.port),
    ];
    assert.equal((await api(a, 'PATCH', '/flights/C1', { body: { state: 'landing' } })).status, 200);
    await Promise.all(clients.map((client) => client.waitForEvents(2)));
    const head = clients[0]?.response.events.at(-1)?.id as string;
    const bodies = [await wholeStream(a.port), await wholeStream(b.port)];
    await until(() => a.hub.clientCount === 3 && b.hub.clientCount === 3, 'three streams on each');

    const close = await api(a, 'POST', '/close');
    assert.equal(close.status, 204);
    // A has applied it before answering; B as soon as its reader reads the notification.
    assert.equal(a.hub.isClosed, true);
    assert.deepEqual(await events(a), { status: 204, cors: ORIGIN });
    await Promise.all(clients.map(closedBy));
    for (const body of await Promise.all(bodies.map((stream) => stream.body))) {
      assert.match(body, /\nevent: closedConnection\ndata: \n\n$/, 'the response is over, not just quiet');
      assert.equal(body.split(FlightEvent.closed).length, 2, 'one closedConnection');
    }
    for (const [i, client] of clients.entries()) {
      const closed = closedEvents(client);
      assert.equal(closed.length, 1, `client ${i}: exactly one closedConnection`);
      assert.equal(closed[0]?.id, head, `client ${i}: it carries the head id`);
      assert.equal(closed[0]?.data, '');
      assert.equal(client.response.events.at(-1)?.event, FlightEvent.closed, 'the last thing sent');
    }
    assert.equal(b.hub.isClosed, true);
    for (const server of [a, b]) {
      assert.deepEqual(await events(server), { status: 204, cors: ORIGIN }, 'the 204 keeps its CORS headers');
      assert.deepEqual(await health(server), { status: 'ok', clients: 0, closed: true });
      assert.equal(server.hub.clientCount, 0);
    }

    // A second close changes nothing and sends nothing more.
    assert.equal((await api(b, 'POST', '/close')).status, 204);
    assert.equal((await api(a, 'POST', '/open')).status, 204);
    assert.equal((await api(a, 'POST', '/close')).status, 204);
    await until(async () => (await events(b)).status === 204, 'B closed again');

    assert.equal((await api(b, 'POST', '/open')).status, 204);
    assert.equal((await events(b)).status, 200, 'B has applied its own open before answering');
    await until(async () => (await events(a)).status === 200, 'A open again');
    for (const server of [a, b]) assert.equal((await health(server)).closed, false);

    // The close is not an event of the history: a resuming client gets the writes, never a close.
    const first = clients[0]?.response.events[0]?.id as string;
    const resumed = await connected(b.port, first);
    assert.deepEqual(
      resumed.response.events.map((e) => e.event),
      [FlightEvent.stateUpdate],
    );
    assert.equal(resumed.response.events[0]?.id, head);
    const after = await connected(a.port);
    assert.equal(after.response.events[0]?.event, FlightEvent.snapshot);
    assert.equal(after.response.events[0]?.id, head, 'the closes and opens issued no event id');
    for (const client of [resumed, after]) assert.equal(client.ended, false);
  });

  test('an instance started while the board is closed starts closed, and opens with the others', async () => {
    const prefix = freshPrefix('close');
    const a = await startCorsInstance(redisServer(), prefix);
    assert.equal((await api(a, 'POST', '/close')).status, 204);
    const late = await startCorsInstance(redisServer(), prefix);
    assert.equal(late.hub.isClosed, true);
    assert.deepEqual(await events(late), { status: 204, cors: ORIGIN });
    assert.equal((await health(late)).closed, true);
    assert.equal((await api(a, 'POST', '/open')).status, 204);
    await until(async () => (await events(late)).status === 200, 'the late instance open');
    assert.equal((await health(late)).closed, false);
  });

  test('writes made just before a close reach every client before its closedConnection', async () => {
    const prefix = freshPrefix('close');
    const a = await startCorsInstance(redisServer(), prefix);
    const b = await startCorsInstance(redisServer(), prefix);
    assert.equal((await api(a, 'POST', '/flights', { body: flight('W1') })).status, 201);
    const clients = [await connected(a.port), await connected(b.port)];
    const writes = Array.from({ length: 30 }, (_, i) =>
      api(b, 'PATCH', '/flights/W1', { body: { state: `s${i}` } }),
    );
    for (const answer of await Promise.all(writes)) assert.equal(answer.status, 200);
    assert.equal((await api(a, 'POST', '/close')).status, 204);
    await Promise.all(clients.map(closedBy));
    await new Promise((resolve) => setTimeout(resolve, 100)); // anything after the close would show now
    for (const client of clients) {
      const names = client.response.events.map((e) => e.event);
      assert.equal(names.length, 32, 'snapshot, 30 updates, close');
      assert.equal(names.at(-1), FlightEvent.closed);
      assert.equal(client.response.events.at(-1)?.id, client.response.events.at(-2)?.id);
    }
  });
});

describe('scale-out: /close behind nginx (deploy/nginx.conf)', () => {
  const redisServer = useRedisServer();

  test('a close through the proxy ends every stream, whichever instance serves it; all 204 until an open', async () => {
    const prefix = freshPrefix('close');
    const a = await startCorsInstance(redisServer(), prefix);
    const b = await startCorsInstance(redisServer(), prefix);
    const nginx = await startNginx([a.port, b.port]);
    cleanups.push(() => nginx.close());
    const clients: RawSseClient[] = [];
    for (let i = 0; i < 6; i++) clients.push(await connected(nginx.port));
    assert.ok(a.hub.clientCount >= 1 && b.hub.clientCount >= 1, 'streams on both instances');
    assert.equal((await api(nginx, 'POST', '/close')).status, 204);
    await Promise.all(clients.map(closedBy));
    for (const client of clients) assert.equal(closedEvents(client).length, 1);
    await until(() => a.hub.isClosed && b.hub.isClosed, 'both instances closed');
    for (let i = 0; i < 6; i++) {
      assert.equal((await fetch(`${nginx.url}/events`)).status, 204, `new connection ${i}: 204`);
    }
    assert.equal((await api(nginx, 'POST', '/open')).status, 204);
    await until(() => !a.hub.isClosed && !b.hub.isClosed, 'both instances open');
    const again = [await connected(nginx.port), await connected(nginx.port)];
    for (const client of again) assert.equal(client.response.status, 200);
  });
});

describe('scale-out: /close while Redis is down', () => {
  after(async () => {
    await runCleanups();
  });

  test('answers 503 store-unavailable and changes nothing, on any instance, then or after Redis is back', async () => {
    const redis = await startRedisServer({ persistence: true });
    cleanups.push(() => redis.close());
    const prefix = freshPrefix('close');
    const a = await startCorsInstance(redis, prefix, { heartbeatMs: 100 });
    const b = await startCorsInstance(redis, prefix, { heartbeatMs: 100 });
    const clients = [await connected(a.port), await connected(b.port)];

    await redis.stop();
    const close = await api(a, 'POST', '/close');
    assert.equal(close.status, 503);
    assert.equal((close.body as { error: { code: string } }).error.code, 'store-unavailable');
    assert.equal((await api(b, 'POST', '/open')).status, 503);
    for (const server of [a, b]) {
      assert.equal(server.hub.isClosed, false);
      assert.equal((await health(server)).closed, false);
    }

    await redis.start();
    await until(async () => (await api(a, 'GET', '/flights')).status === 200, 'A back on Redis');
    await until(async () => (await api(b, 'GET', '/flights')).status === 200, 'B back on Redis');
    const probe = new Redis(redis.url);
    try {
      assert.equal(await probe.exists(`${prefix}closed`), 0, 'the refused close left no flag');
    } finally {
      probe.disconnect();
    }
    for (const server of [a, b]) {
      assert.equal(server.hub.isClosed, false);
      assert.equal((await events(server)).status, 200);
    }
    for (const client of clients) {
      assert.equal(client.ended, false, 'the streams stayed open');
      assert.equal(closedEvents(client).length, 0);
    }
  });
});
