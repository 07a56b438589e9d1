import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { EventSourceMessage } from 'eventsource-parser';
import { Redis } from 'ioredis';
import { FlightEvent } from '../protocol/protocol.ts';
import { stopChild } from './support/child-process.ts';
import { freePort } from './support/free-port.ts';
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
import { api, TEST_TOKEN } from './support/rest-client.ts';
import type { TestServer } from './support/test-server.ts';

// Several server instances over one real redis-server, as DESIGN.md's REDIS_URL mode runs them,
// and nginx with deploy/nginx.conf in front. Instances are in-process test servers, except the
// one that gets killed: that one is a real child process (the shipped bin), SIGKILLed.

/** The keys a server process uses (RedisStore's default prefix). */
const DEFAULT_PREFIX = '{flight-board}:';
const BIN = fileURLToPath(new URL('../server/dist/main.js', import.meta.url));

// ---- helpers -----------------------------------------------------------------------------

/** Opens a stream and waits for its first event (the snapshot or the first replayed one). */
async function connected(port: number, lastEventId?: string): Promise<RawSseClient> {
  const client = openStream(port, lastEventId);
  if (lastEventId === undefined) await client.waitForEvents(1);
  else await client.waitFor((r) => r.status === 200, 3000, 'the stream headers');
  return client;
}

const flight = (key: string, state = 'scheduled') => ({
  flight: key,
  origin: 'Rome',
  arrival: '10:10',
  state,
});

/** The history events of a stream (snapshots are not events of the history). */
function history(events: EventSourceMessage[]): EventSourceMessage[] {
  return events.filter((e) => e.event !== FlightEvent.snapshot);
}

function ids(events: EventSourceMessage[]): string[] {
  return events.map((e) => e.id ?? '');
}

async function write(
  server: Pick<TestServer, 'url'>,
  method: string,
  path: string,
  body?: unknown,
): Promise<void> {
  const answer = await api(server, method, path, body === undefined ? {} : { body });
  assert.ok(
    answer.status < 300,
    `${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`,
  );
}

/**
 * Resolves when the server ends the response of a stream (the chunked body's last chunk),
 * as fetch sees it; the socket itself may stay open for keep-alive.
 */
async function responseEnd(port: number): Promise<() => Promise<void>> {
  const res = await fetch(`http://127.0.0.1:${port}/events`);
  assert.equal(res.status, 200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const done = (async () => {
    for (;;) if ((await reader.read()).done) return;
  })();
  cleanups.push(() => reader.cancel().catch(() => undefined));
  return (timeoutMs = 5000) =>
    Promise.race([
      done,
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`the stream did not end within ${timeoutMs} ms`)),
          timeoutMs,
        ).unref(),
      ),
    ]);
}

/** How many clients the redis-server has (CLIENT LIST), this probe's own connection excluded. */
async function redisConnections(redis: TestRedisServer): Promise<number> {
  const probe = new Redis(redis.url);
  try {
    const list = (await probe.client('LIST')) as string;
    return list.trim().split('\n').length - 1;
  } finally {
    probe.disconnect();
  }
}

/** Waits (bounded) until `predicate` holds. */
async function until(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A real server process (the shipped bin) over Redis, on a port of its own, with the default keys. */
async function spawnInstance(redis: TestRedisServer): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: redis.url,
      FLIGHT_BOARD_TOKEN: TEST_TOKEN,
      SIMULATE: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  cleanups.push(() => stopChild(child, 'SIGKILL'));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/health`).then(
      (res) => res.ok,
      () => false,
    );
    if (up) return { child, port };
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`the server process did not start on port ${port}; it printed:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// ---- behaviour ---------------------------------------------------------------------------

describe('scale-out: several instances over Redis Streams', () => {
  const redisServer = useRedisServer();

  test('writes through instance A reach the clients of A and B in the same order, with the same ids', async () => {
    const prefix = freshPrefix();
    const a = await startInstance(redisServer(), prefix);
    const b = await startInstance(redisServer(), prefix);
    const onA = await connected(a.port);
    const onB = await connected(b.port);
    await write(a, 'POST', '/flights', flight('I768'));
    await write(a, 'POST', '/flights', flight('A123'));
    for (let i = 0; i < 20; i++) await write(a, 'PATCH', `/flights/I768`, { state: `s${i}` });
    await write(a, 'DELETE', '/flights/A123');
    await Promise.all([onA.waitForEvents(24), onB.waitForEvents(24)]);
    assert.deepEqual(onB.response.events, onA.response.events);
    assert.match(onA.response.events[1]?.id ?? '', /^\d+-\d+$/, 'ids are Redis stream ids');
    assert.deepEqual((await api(b, 'GET', '/flights')).body, (await api(a, 'GET', '/flights')).body);
  });

  test('one reader per instance: 30 more streams open no Redis connection', async () => {
    const a = await startInstance(redisServer(), freshPrefix());
    const before = await redisConnections(redisServer());
    const clients = await Promise.all(Array.from({ length: 30 }, () => connected(a.port)));
    await write(a, 'POST', '/flights', flight('L1'));
    await Promise.all(clients.map((client) => client.waitForEvents(2)));
    assert.equal(await redisConnections(redisServer()), before);
  });

  test('kill instance A mid-stream: its clients reconnect to B with their last id, no gap, no duplicate', async () => {
    const a = await spawnInstance(redisServer());
    const b = await startInstance(redisServer(), DEFAULT_PREFIX); // the process has no setting for the prefix
    await write(b, 'POST', '/flights', flight('K1'));
    const reference = await connected(b.port);
    const onA = await Promise.all([connected(a.port), connected(a.port), connected(a.port)]);
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing && written < 400) {
        await write(b, 'PATCH', '/flights/K1', { state: `s${written}` });
        written++;
      }
    })();
    await Promise.all(onA.map((client) => client.waitForEvents(10)));
    await stopChild(a.child, 'SIGKILL');
    await Promise.all(onA.map((client) => client.waitForEnd()));
    const resumed = onA.map((client) => connected(b.port, client.response.events.at(-1)?.id));
    await until(() => written >= 60, '60 writes');
    writing = false;
    await writer;
    await reference.waitForEvents(written + 1);
    const again = await Promise.all(resumed);
    for (const [i, client] of again.entries()) {
      const before = onA[i] as RawSseClient;
      const total = () => history(before.response.events).length + client.response.events.length;
      await until(() => total() >= history(reference.response.events).length, `client ${i} caught up`);
      assert.notEqual(
        client.response.events[0]?.event,
        FlightEvent.snapshot,
        'resumed by replay, not a snapshot',
      );
      const seen = [...history(before.response.events), ...client.response.events];
      assert.deepEqual(
        ids(seen),
        ids(history(reference.response.events)),
        `client ${i}: no gap, no duplicate`,
      );
      assert.deepEqual(seen, history(reference.response.events));
    }
  });

  test('two instances writing concurrently: every client sees one identical order', async () => {
    const prefix = freshPrefix();
    const a = await startInstance(redisServer(), prefix);
    const b = await startInstance(redisServer(), prefix);
    await write(a, 'POST', '/flights', flight('C1'));
    await write(b, 'POST', '/flights', flight('C2'));
    const clients = await Promise.all([
      connected(a.port),
      connected(a.port),
      connected(b.port),
      connected(b.port),
    ]);
    const writes = Array.from({ length: 80 }, (_, i) =>
      write(i % 2 ? a : b, 'PATCH', `/flights/C${i % 4 < 2 ? 1 : 2}`, {
        state: `s${i}`,
        [`by${i % 2}`]: `${i}`,
      }),
    );
    await Promise.all(writes);
    await Promise.all(clients.map((client) => client.waitForEvents(81)));
    const [first, ...others] = clients.map((client) => client.response.events);
    for (const events of others) assert.deepEqual(events, first);
    const board = (await api(a, 'GET', '/flights')).body as { flights: { flight: string; state: string }[] };
    assert.deepEqual((await api(b, 'GET', '/flights')).body, board);
    for (const row of board.flights) {
      const last = history(first ?? [])
        .map((e) => JSON.parse(e.data) as { flight: string; state?: string })
        .filter((u) => u.flight === row.flight && u.state !== undefined)
        .at(-1);
      assert.equal(row.state, last?.state, `${row.flight} ends in the state of its last event`);
    }
  });
});

describe('scale-out: Redis stops and restarts under live clients', () => {
  after(async () => {
    await runCleanups();
  });

  for (const persistence of [true, false]) {
    const what = persistence ? 'with its data' : 'empty (persistence off)';
    test(`no crash, heartbeats go on, writes 503 while down; back ${what}: clients recover`, async () => {
      const redis = await startRedisServer({ persistence });
      cleanups.push(() => redis.close());
      const prefix = freshPrefix();
      const a = await startInstance(redis, prefix, { heartbeatMs: 100 });
      const b = await startInstance(redis, prefix, { heartbeatMs: 100 });
      await write(a, 'POST', '/flights', flight('R1'));
      const live = await Promise.all([connected(a.port), connected(b.port)]);
      const ended = await Promise.all([responseEnd(a.port), responseEnd(b.port)]);
      const dropped = await connected(a.port); // goes away during the outage, resumes after
      await write(a, 'PATCH', '/flights/R1', { state: 'before' });
      await Promise.all([...live, dropped].map((client) => client.waitForEvents(2)));

      await redis.stop();
      const down = await api(a, 'POST', '/flights', { body: flight('R2') });
      assert.equal(down.status, 503);
      assert.equal(down.headers.get('retry-after'), '5');
      assert.deepEqual(Object.keys((down.body as { error: object }).error), ['code', 'message']);
      assert.match(
        JSON.stringify(down.body),
        /store-unavailable.*Redis at redis:\/\/127\.0\.0\.1:\d+ did not answer/,
      );
      assert.equal((await api(b, 'PATCH', '/flights/R1', { body: { state: 'x' } })).status, 503);
      assert.equal((await api(b, 'GET', '/health')).status, 200, 'the instance is alive');
      dropped.close();
      const beats = live.map((client) => client.response.comments.length);
      await Promise.all(
        live.map((client, i) =>
          client.waitFor((r) => r.comments.length > (beats[i] ?? 0), 2000, 'a heartbeat while Redis is down'),
        ),
      );
      for (const client of live) assert.equal(client.ended, false, 'streams stay open while Redis is down');

      await redis.start();
      const lastSeen = dropped.response.events.at(-1)?.id as string;
      if (persistence) {
        await eventually(() => write(b, 'PATCH', '/flights/R1', { state: 'after' }));
        // Each instance reconnects on its own backoff: a may still be on its way back.
        await eventually(() => write(a, 'POST', '/flights', flight('R3')));
        await Promise.all(live.map((client) => client.waitForEvents(4)));
        assert.deepEqual(live[1]?.response.events, live[0]?.response.events);
        const resumed = await connected(a.port, lastSeen);
        await resumed.waitForEvents(2);
        assert.deepEqual(
          resumed.response.events,
          live[0]?.response.events.slice(2),
          'the missed events, replayed',
        );
      } else {
        // The stream is gone: the instances end their streams, clients come back and resync.
        await Promise.all(ended.map((end) => end()));
        await until(() => a.hub.clientCount === 0 && b.hub.clientCount === 0, 'every stream ended');
        await eventually(() => write(b, 'POST', '/flights', flight('R9')));
        await eventually(() => write(a, 'GET', '/flights')); // both instances have reconnected
        for (const port of [a.port, b.port, a.port]) {
          const back = await connected(
            port,
            port === a.port ? lastSeen : live[1]?.response.events.at(-1)?.id,
          );
          await back.waitForEvents(1);
          const [snapshot] = back.response.events;
          assert.equal(
            snapshot?.event,
            FlightEvent.snapshot,
            'an id from before the restart gets a snapshot',
          );
          assert.deepEqual(JSON.parse(snapshot?.data ?? '').flights, [flight('R9')]);
        }
      }
    });
  }
});

describe('scale-out: behind nginx (deploy/nginx.conf)', () => {
  const redisServer = useRedisServer();

  test('events arrive unbuffered (each within 200 ms of its write), spread over both instances; heartbeats pass', async () => {
    const prefix = freshPrefix();
    const heartbeatMs = 300;
    const a = await startInstance(redisServer(), prefix, { heartbeatMs });
    const b = await startInstance(redisServer(), prefix, { heartbeatMs });
    const nginx = await startNginx([a.port, b.port]);
    cleanups.push(() => nginx.close());
    const clients: RawSseClient[] = [];
    for (let i = 0; i < 4; i++) clients.push(await connected(nginx.port));
    assert.ok(
      a.hub.clientCount >= 1 && b.hub.clientCount >= 1,
      'least_conn spreads streams over both instances',
    );
    assert.equal(clients[0]?.response.headers['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(clients[0]?.response.headers['x-accel-buffering'], 'no', 'passed on to proxies further out');

    const delays: number[] = [];
    await write(nginx, 'POST', '/flights', flight('N1'));
    await Promise.all(clients.map((client) => client.waitForEvents(2)));
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const arrivals = clients.map((client) =>
        client.waitForEvents(3 + i, 1000).then(() => performance.now() - started),
      );
      await write(nginx, 'PATCH', '/flights/N1', { state: `s${i}` });
      delays.push(...(await Promise.all(arrivals)));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    delays.sort((x, y) => x - y);
    const summary = `median ${delays[delays.length >> 1]?.toFixed(1)} ms, max ${delays.at(-1)?.toFixed(1)} ms over ${delays.length}`;
    process.stdout.write(`# write-to-client through nginx: ${summary}\n`);
    assert.ok((delays.at(-1) ?? Infinity) < 200, `every event within 200 ms of its write (${summary})`);

    const beats = clients.map((client) => client.response.comments.length);
    await Promise.all(
      clients.map((client, i) =>
        client.waitFor(
          (r) => r.comments.length > (beats[i] ?? 0),
          heartbeatMs * 4,
          'a heartbeat through nginx',
        ),
      ),
    );
    assert.ok(
      clients.every(
        (client) =>
          client.response.comments.at(-1) === ' keep-alive' ||
          client.response.comments.at(-1) === 'keep-alive',
      ),
    );
    assert.doesNotMatch(await nginx.errorLog(), /\[(error|crit|alert|emerg)\]/);
  });

  test('an instance dies: clients reconnect through nginx with their last id and get exactly what they missed', async () => {
    const prefix = freshPrefix();
    const a = await startInstance(redisServer(), prefix);
    const b = await startInstance(redisServer(), prefix);
    const nginx = await startNginx([a.port, b.port]);
    cleanups.push(() => nginx.close());
    await write(nginx, 'POST', '/flights', flight('P1'));
    const reference = await connected(b.port);
    const clients: RawSseClient[] = [];
    for (let i = 0; i < 4; i++) clients.push(await connected(nginx.port));
    const onA = a.hub.clientCount;
    assert.ok(onA >= 1, 'some streams went to instance A');
    for (let i = 0; i < 5; i++) await write(nginx, 'PATCH', '/flights/P1', { state: `s${i}` });
    await Promise.all(clients.map((client) => client.waitForEvents(6)));
    // A dies abruptly: its listening socket and every connection gone at once, no goodbye.
    a.server.close();
    a.server.closeAllConnections();
    await until(() => clients.filter((client) => client.ended).length === onA, `${onA} streams cut by nginx`);
    for (let i = 5; i < 10; i++) await write(nginx, 'PATCH', '/flights/P1', { state: `s${i}` });
    await reference.waitForEvents(11);
    for (const client of clients.filter((c) => c.ended)) {
      const again = await connected(nginx.port, client.response.events.at(-1)?.id);
      await again.waitForEvents(11 - client.response.events.length);
      assert.notEqual(again.response.events[0]?.event, FlightEvent.snapshot, 'resumed by replay');
      const seen = [...history(client.response.events), ...again.response.events];
      assert.deepEqual(seen, history(reference.response.events), 'no gap, no duplicate');
    }
  });
});

/** Retries `call` (bounded) until it succeeds, e.g. while an instance reconnects to Redis. */
async function eventually<T>(call: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
