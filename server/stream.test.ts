import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EventSource } from 'eventsource';
import { type Flight, FlightEvent } from '../protocol/protocol.ts';
import { capturedLogger } from '../test/support/log-capture.ts';
import { api, TEST_TOKEN } from '../test/support/rest-client.ts';
import {
  PROTOCOLS,
  type SseClient,
  startTestServer,
  type TestProtocol,
  type TestServer,
  type TestServerOptions,
} from '../test/support/test-server.ts';
import { until } from '../test/support/until.ts';
import type { ServerConfig } from './config.ts';
import type { FlightStore } from './store/flight-store.ts';
import { MemoryStore } from './store/memory-store.ts';

// ---- helpers ---------------------------------------------------------------------------

/** A Writable's `_write`/`_writev`, whatever its arguments. */
type WriteFn = (...args: unknown[]) => unknown;

function flight(n: number): Flight {
  return { flight: `T${n}`, origin: `Origin ${n}`, arrival: '12:00', state: '' };
}

/** Appends `count` events to the store (adds, then state changes), returning their ids. */
async function appendEvents(store: FlightStore, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const event =
      i === 0 ? await store.add(flight(0)) : (await store.update({ flight: 'T0', state: `s${i}` })).event;
    ids.push(event.id);
  }
  return ids;
}

/** The id of event `n` (0: the head before any) of a test server's in-memory store: `<epoch>-<n>`. */
function memoryId(server: TestServer, n: number): string {
  return (server.store as MemoryStore).idOf(n);
}

function openStream(server: TestServer, headers: Record<string, string> = {}, path = '/events'): SseClient {
  return server.openStream({ path, headers });
}

async function withClient<T>(client: SseClient, run: (c: SseClient) => Promise<T>): Promise<T> {
  try {
    return await run(client);
  } finally {
    client.close();
  }
}

/** A store whose reads answer late, so live events arrive while a client is catching up. */
function slowReads(store: FlightStore, delayMs: number): FlightStore {
  const later = () => new Promise((resolve) => setTimeout(resolve, delayMs));
  return new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (key === 'state' || key === 'eventsAfter') {
        return async (...args: unknown[]) => {
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          await later();
          return result;
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

// ---- HTTP/1.1 on the wire (first: the memory test below wants no HTTP/2 session of an earlier test still being freed) --------------------------------------------------------------

describe('a resuming stream on the wire', () => {
  test('gets its headers, retry: and replay in one write (one syscall per client in a reconnect storm)', async () => {
    const memory = new MemoryStore(100);
    const ids = await appendEvents(memory, 6);
    const server = await startTestServer({ retryMs: 1234 }, memory);
    // Writable calls _write or _writev once per flush of what was corked: once per syscall.
    const flushes: number[] = [];
    server.server.once('connection', (socket: Socket) => {
      const stream = socket as Socket & { _write: WriteFn; _writev: WriteFn };
      const count = (fn: WriteFn): WriteFn =>
        function (this: unknown, ...args) {
          flushes.push(Date.now());
          return fn.apply(this, args);
        };
      stream._write = count(stream._write);
      stream._writev = count(stream._writev);
    });
    try {
      await withClient(openStream(server, { 'Last-Event-ID': ids[0] ?? '' }), async (client) => {
        const { retry, events } = await client.waitForEvents(5);
        assert.equal(retry, 1234);
        assert.deepEqual(
          events.map((e) => e.id),
          ids.slice(1),
        );
        assert.equal(flushes.length, 1, `${flushes.length} writes`);
      });
    } finally {
      await server.close();
    }
  });
});

describe('an open stream in memory', () => {
  test('keeps its response head as one string, not the ~20 pieces Node joins it from', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const server = await startTestServer();
    const responses: ServerResponse[] = [];
    server.server.on('request', (_req, res: ServerResponse) => responses.push(res));
    const clients = Array.from({ length: 200 }, () => openStream(server));
    try {
      await Promise.all(clients.map((c) => c.waitForEvents(1)));
      // Node keeps the head it sent on the response as `_header`, for the life of the stream:
      // what letting go of it frees is what each stream holds for it.
      // Other garbage freed meanwhile (a busy machine's late socket buffers) only adds to what a
      // round seems to free, so of three rounds, each on a third of the streams, the least is the truth.
      const rounds = [0, 1, 2].map((round) => {
        const group = responses.filter((_res, i) => i % 3 === round);
        gc();
        const held = process.memoryUsage().heapUsed;
        for (const res of group) (res as ServerResponse & { _header: string })._header = '';
        gc();
        return (held - process.memoryUsage().heapUsed) / group.length;
      });
      const perStream = Math.min(...rounds);
      // ≈ 0.3 KB as one string; ≈ 1 KB when sent inside a larger write, which leaves it in pieces.
      assert.ok(perStream < 600, `${rounds.map(Math.round).join(', ')} bytes per stream`);
    } finally {
      for (const client of clients) client.close();
      await server.close();
    }
  });

  test('shares one close listener with every other stream: no closure of its own to hold', async () => {
    const server = await startTestServer({}, { logger: capturedLogger('info').logger });
    const responses: ServerResponse[] = [];
    server.server.on('request', (_req, res: ServerResponse) => responses.push(res));
    const clients = [openStream(server), openStream(server)];
    try {
      await Promise.all(clients.map((c) => c.waitForEvents(1)));
      // Logging at info level (streams log at debug): the hub's listener is the only one.
      for (const res of responses) assert.deepEqual(res.listeners('close'), [server.hub.closeListener]);
      clients[0]?.close();
      await until('the closed stream to be forgotten', () => server.hub.clientCount === 1);
    } finally {
      for (const client of clients) client.close();
      await server.close();
    }
  });
});

// ---- over both protocols ---------------------------------------------------------------

/** The suite that must hold over HTTP/1.1 and over HTTP/2 alike. */
function streamSuite(protocol: TestProtocol): void {
  /** A test server of this suite's protocol. */
  const start = (
    overrides: Partial<ServerConfig> = {},
    storeOrOptions: FlightStore | TestServerOptions = {},
  ) =>
    startTestServer(
      overrides,
      'subscribe' in storeOrOptions ? { store: storeOrOptions, protocol } : { ...storeOrOptions, protocol },
    );

  // ---- replay ----------------------------------------------------------------------------

  describe('resuming with Last-Event-ID inside the history', () => {
    let server: TestServer;
    let ids: string[];
    before(async () => {
      server = await start({ historySize: 50 });
      ids = await appendEvents(server.store, 20);
    });
    after(() => server.close());

    test('from every position (0 to the head) replays exactly the events after it, in order, then live', async () => {
      const positions = [memoryId(server, 0), ...ids];
      const clients = positions.map((id) => openStream(server, { 'Last-Event-ID': id }));
      try {
        await Promise.all(clients.map((c, p) => c.waitForEvents(ids.length - p, 3000)));
        const { event: live } = await server.store.update({ flight: 'T0', state: 'live' });
        ids.push(live.id);
        for (const [p, client] of clients.entries()) {
          const { events } = await client.waitForEvents(ids.length - p);
          assert.deepEqual(
            events.map((e) => e.id),
            ids.slice(p),
            `resuming after ${positions[p]}: no snapshot, no gap, no duplicate`,
          );
          assert.ok(events.every((e) => e.event !== FlightEvent.snapshot));
        }
      } finally {
        for (const c of clients) c.close();
      }
    });

    test('?lastEventId= resumes the same way for clients that cannot set the header', async () => {
      await withClient(openStream(server, {}, `/events?lastEventId=${ids[16]}`), async (client) => {
        const { events } = await client.waitForEvents(ids.length - 17);
        assert.deepEqual(
          events.map((e) => e.id),
          ids.slice(17),
        );
      });
    });

    test('the header wins over the query parameter', async () => {
      await withClient(
        openStream(server, { 'Last-Event-ID': ids[18] ?? '' }, `/events?lastEventId=${ids[2]}`),
        async (client) => {
          const { events } = await client.waitForEvents(ids.length - 19);
          await new Promise((r) => setTimeout(r, 50));
          assert.deepEqual(
            client.response.events.map((e) => e.id),
            ids.slice(19),
          );
          assert.equal(events[0]?.event, FlightEvent.stateUpdate);
        },
      );
    });
  });

  describe('resuming while events keep arriving', () => {
    test('events written during a slow catch-up come after it, with no gap and no duplicate', async () => {
      const memory = new MemoryStore(100);
      const server = await start({}, slowReads(memory, 40));
      try {
        const ids = await appendEvents(memory, 5);
        const resumed = openStream(server, { 'Last-Event-ID': ids[1] ?? '' });
        const fresh = openStream(server);
        await new Promise((r) => setTimeout(r, 10)); // both are inside their slow read now
        const during = [
          (await memory.update({ flight: 'T0', state: 'x' })).event,
          (await memory.update({ flight: 'T0', state: 'y' })).event,
        ];
        const expectedResumed = [...ids.slice(2), ...during.map((e) => e.id)];
        const { events } = await resumed.waitForEvents(expectedResumed.length);
        assert.deepEqual(
          events.map((e) => e.id),
          expectedResumed,
        );
        const snapshotThenLive = await fresh.waitFor(
          (r) => r.events.at(-1)?.id === during[1]?.id,
          3000,
          'live events',
        );
        const [snapshot, ...live] = snapshotThenLive.events;
        assert.equal(snapshot?.event, FlightEvent.snapshot);
        assert.ok(
          live.every((e) => server.store.isAfter(e.id ?? '', snapshot?.id ?? '')),
          'nothing the snapshot already holds',
        );
        assert.equal(new Set(live.map((e) => e.id)).size, live.length, 'no duplicate');
        resumed.close();
        fresh.close();
      } finally {
        await server.close();
      }
    });
  });

  describe('a stream whose catch-up waits', () => {
    test('gets its headers and retry: at once, before the history is read', async () => {
      const memory = new MemoryStore(100);
      const ids = await appendEvents(memory, 3);
      const server = await start({ retryMs: 1234 }, slowReads(memory, 1000));
      try {
        await withClient(openStream(server, { 'Last-Event-ID': ids[0] ?? '' }), async (client) => {
          const { status, headers, retry, events } = await client.waitFor(
            (r) => r.retry !== undefined,
            500,
            'retry: before the replay',
          );
          assert.equal(status, 200);
          assert.match(headers['content-type'] ?? '', /^text\/event-stream/);
          assert.equal(retry, 1234);
          assert.deepEqual(events, [], 'the replay is still being read');
        });
      } finally {
        await server.close();
      }
    });
  });

  describe('Last-Event-ID the history cannot serve gets a snapshot, never an error', () => {
    let server: TestServer;
    let ids: string[];
    before(async () => {
      server = await start({ historySize: 5 });
      ids = await appendEvents(server.store, 20);
    });
    after(() => server.close());

    const head = () => ids.at(-1) ?? '';

    test('an id older than the ring (history 5, id 3 of 20) gets a flightSnapshot carrying the head id', async () => {
      await withClient(openStream(server, { 'Last-Event-ID': ids[2] ?? '' }), async (client) => {
        const { status, events } = await client.waitForEvents(1);
        assert.equal(status, 200);
        assert.equal(events[0]?.event, FlightEvent.snapshot);
        assert.equal(events[0]?.id, head());
      });
    });

    test('the oldest id still replayable (head - history size) replays the whole ring', async () => {
      await withClient(openStream(server, { 'Last-Event-ID': ids[14] ?? '' }), async (client) => {
        const { events } = await client.waitForEvents(5);
        assert.deepEqual(
          events.map((e) => e.id),
          ids.slice(15),
        );
      });
    });

    const garbage = [
      'abc',
      '-1',
      '1e999',
      '9'.repeat(500),
      '01',
      '5.0',
      '0x10',
      ' ',
      '21',
      '999999',
      'ünïcödé',
    ];
    for (const id of garbage) {
      test(`Last-Event-ID: ${JSON.stringify(id.length > 20 ? `${id.slice(0, 12)}… (${id.length} chars)` : id)} → 200 and a snapshot`, async () => {
        await withClient(openStream(server, { 'Last-Event-ID': id }), async (client) => {
          const { status, events } = await client.waitForEvents(1);
          assert.equal(status, 200);
          assert.equal(events[0]?.event, FlightEvent.snapshot);
          assert.equal(events[0]?.id, head());
        });
      });
      test(`?lastEventId=${JSON.stringify(id.length > 20 ? `${id.slice(0, 12)}…` : id)} → 200 and a snapshot`, async () => {
        await withClient(
          openStream(server, {}, `/events?lastEventId=${encodeURIComponent(id)}`),
          async (client) => {
            const { status, events } = await client.waitForEvents(1);
            assert.equal(status, 200);
            assert.equal(events[0]?.event, FlightEvent.snapshot);
          },
        );
      });
    }

    test('a repeated query parameter (?lastEventId=1&lastEventId=2) gets a snapshot', async () => {
      await withClient(openStream(server, {}, '/events?lastEventId=18&lastEventId=19'), async (client) => {
        const { events } = await client.waitForEvents(1);
        assert.equal(events[0]?.event, FlightEvent.snapshot);
      });
    });
  });

  // ---- heartbeat -------------------------------------------------------------------------

  describe('heartbeat', () => {
    test('a silent stream gets ": keep-alive" after HEARTBEAT_MS, and regularly after that', async () => {
      const server = await start({ heartbeatMs: 100 });
      try {
        await withClient(openStream(server), async (client) => {
          await client.waitForEvents(1);
          const start = performance.now();
          await client.waitFor((r) => r.comments.length >= 1, 1000, 'a first heartbeat');
          const first = performance.now() - start;
          await client.waitFor((r) => r.comments.length >= 3, 1000, 'three heartbeats');
          const total = performance.now() - start;
          assert.ok(
            first >= 90 && first < 300,
            `first heartbeat after ${first.toFixed(0)} ms (100–125 expected)`,
          );
          assert.ok(total >= 280 && total < 800, `three heartbeats after ${total.toFixed(0)} ms`);
          assert.deepEqual(client.response.comments.slice(0, 3), ['keep-alive', 'keep-alive', 'keep-alive']);
          assert.match(client.response.body, /\n: keep-alive\n\n/);
        });
      } finally {
        await server.close();
      }
    });

    test('a stream busy with events gets no heartbeat', async () => {
      const server = await start({ heartbeatMs: 150 });
      try {
        await server.store.add(flight(1));
        await withClient(openStream(server), async (client) => {
          await client.waitForEvents(1);
          for (let i = 0; i < 8; i++) {
            await new Promise((r) => setTimeout(r, 50));
            await server.store.update({ flight: 'T1', state: `s${i}` });
          }
          await client.waitForEvents(9);
          assert.deepEqual(client.response.comments, []);
        });
      } finally {
        await server.close();
      }
    });
  });

  // ---- close / open ----------------------------------------------------------------------

  describe('POST /close and POST /open', () => {
    test('close sends closedConnection with an empty data line to every client, ends them, then 204 until open', async () => {
      const server = await start({ token: TEST_TOKEN });
      try {
        await server.store.add(flight(1));
        const raw = openStream(server, { 'Last-Event-ID': memoryId(server, 0) });
        const fetched = await fetch(`${server.url}/events`);
        await raw.waitForEvents(1);
        assert.equal((await api(server, 'POST', '/close')).status, 204);
        const { events, body } = await raw.waitFor(
          (r) => r.events.at(-1)?.event === FlightEvent.closed,
          3000,
          'closedConnection',
        );
        assert.equal(events.at(-1)?.data, '');
        assert.match(body, /\nevent: closedConnection\ndata: \n\n$/);
        // The fetch client sees its response end: the stream is over, not just quiet.
        const text = await fetched.text();
        assert.match(text, /event: closedConnection\ndata: \n\n$/);
        raw.close();
        assert.equal(server.hub.clientCount, 0);
        const refused = await fetch(`${server.url}/events`);
        assert.equal(refused.status, 204);
        assert.equal(await refused.text(), '');
        assert.equal((await api(server, 'POST', '/open')).status, 204);
        await withClient(openStream(server), async (client) => {
          const { status, events } = await client.waitForEvents(1);
          assert.equal(status, 200);
          assert.equal(events[0]?.event, FlightEvent.snapshot);
        });
      } finally {
        await server.close();
      }
    });
  });

  // ---- fan-out ---------------------------------------------------------------------------

  describe('fan-out', () => {
    test('every client receives the same bytes for the same events', async () => {
      const server = await start();
      try {
        const clients = [openStream(server), openStream(server), openStream(server)];
        await Promise.all(clients.map((c) => c.waitForEvents(1)));
        const marks = clients.map((c) => c.response.body.length);
        await server.store.add({ ...flight(1), note: 'multi\nline\r\nnote' });
        await server.store.update({ flight: 'T1', state: 'landing' });
        await server.store.remove('T1');
        await Promise.all(clients.map((c) => c.waitForEvents(4)));
        const tails = clients.map((c, i) => c.response.body.slice(marks[i]));
        assert.equal(tails[1], tails[0]);
        assert.equal(tails[2], tails[0]);
        assert.ok(tails[0]?.startsWith(`id: ${memoryId(server, 1)}\nevent: flightAdded\ndata: `), tails[0]);
        for (const c of clients) c.close();
      } finally {
        await server.close();
      }
    });
  });

  // ---- MAX_CLIENTS -----------------------------------------------------------------------

  describe('MAX_CLIENTS', () => {
    test('one stream too many answers 503 with Retry-After and the error JSON; a freed slot is reusable', async () => {
      const server = await start({ maxClients: 2, retryMs: 2000 });
      try {
        const open = [openStream(server), openStream(server)];
        await Promise.all(open.map((c) => c.waitForEvents(1)));
        const refused = await fetch(`${server.url}/events`);
        assert.equal(refused.status, 503);
        assert.equal(refused.headers.get('retry-after'), '2');
        const { error } = (await refused.json()) as { error: { code: string; message: string } };
        assert.equal(error.code, 'too-many-clients');
        assert.match(error.message, /MAX_CLIENTS/);
        open[0]?.close();
        await until('the closed stream to be forgotten', () => server.hub.clientCount === 1);
        await withClient(openStream(server), async (client) => {
          assert.equal((await client.waitForEvents(1)).status, 200);
        });
        open[1]?.close();
      } finally {
        await server.close();
      }
    });
  });

  // ---- a real third-party client ---------------------------------------------------------

  describe('the eventsource npm package as a client', () => {
    test('gets the snapshot and live events, and after a dropped connection resumes with Last-Event-ID', async () => {
      const server = await start({ retryMs: 50 });
      const source = new EventSource(`${server.url}/events`);
      const seen: { type: string; id: string; data: string }[] = [];
      const record = (e: MessageEvent) => seen.push({ type: e.type, id: e.lastEventId, data: e.data });
      for (const name of [FlightEvent.snapshot, FlightEvent.added, FlightEvent.stateUpdate]) {
        source.addEventListener(name, record);
      }
      const waitFor = async (count: number) => {
        const deadline = Date.now() + 3000;
        while (seen.length < count) {
          if (Date.now() > deadline) throw new Error(`saw only ${JSON.stringify(seen)}`);
          await new Promise((r) => setTimeout(r, 5));
        }
      };
      try {
        await waitFor(1);
        await server.store.add(flight(1));
        await waitFor(2);
        server.hub.endAll(); // as a restarting instance would: no closedConnection, so the client retries
        await server.store.update({ flight: 'T1', state: 'landing' });
        await waitFor(3);
        assert.deepEqual(
          seen.map((e) => [e.type, e.id]),
          [
            [FlightEvent.snapshot, memoryId(server, 0)],
            [FlightEvent.added, memoryId(server, 1)],
            [FlightEvent.stateUpdate, memoryId(server, 2)],
          ],
        );
        assert.equal(server.hub.stats.replays, 1, 'the reconnection was a replay, not a second snapshot');
      } finally {
        source.close();
        await server.close();
      }
    });
  });
}

for (const protocol of PROTOCOLS) describe(`over ${protocol}`, () => streamSuite(protocol));
