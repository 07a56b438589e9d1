import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FlightEvent, STREAM_HEADERS } from '../protocol/protocol.ts';
import { RawSseClient } from '../test/support/raw-sse-client.ts';
import { startTestServer, type TestServer } from '../test/support/test-server.ts';
import { SEED_FLIGHTS, Simulator } from './simulator.ts';

const rome = { flight: 'I768', origin: 'Rome', arrival: '10:10', state: '' };

describe('GET /events on the real server', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ retryMs: 2500 });
    await server.store.add({ ...rome });
  });
  after(() => server.close());

  test('answers 200 with exactly the stream headers of DESIGN.md', async () => {
    const client = RawSseClient.open(server.port, { path: '/events' });
    try {
      const { status, headers } = await client.waitFor((r) => r.status > 0, 3000, 'the status line');
      assert.equal(status, 200);
      for (const [name, value] of Object.entries(STREAM_HEADERS))
        assert.equal(headers[name.toLowerCase()], value);
      assert.equal(headers.connection, 'keep-alive');
      assert.equal(headers['content-length'], undefined);
      assert.equal(headers['content-encoding'], undefined);
    } finally {
      client.close();
    }
  });

  test('flushes the headers before any event is due', async () => {
    // With no events in flight the headers must still arrive at once: held-back headers
    // delay EventSource's `open` until the first event.
    const client = RawSseClient.open(server.port, { path: '/events' });
    try {
      await client.waitFor((r) => r.status === 200, 1000, 'headers within 1 s');
    } finally {
      client.close();
    }
  });

  test('starts with retry:, then a flightSnapshot carrying the head id', async () => {
    const client = RawSseClient.open(server.port, { path: '/events' });
    try {
      const { events, retry, body } = await client.waitForEvents(1);
      assert.ok(
        body.startsWith('retry: 2500\n'),
        `body starts with retry: ${JSON.stringify(body.slice(0, 40))}`,
      );
      assert.equal(retry, 2500);
      const [snapshot] = events;
      assert.equal(snapshot?.event, FlightEvent.snapshot);
      assert.equal(snapshot?.id, (await server.store.state()).lastEventId);
      assert.match(snapshot?.id ?? '', /^\d{1,20}-1$/, 'the head: <epoch>-1');
      assert.deepEqual(JSON.parse(snapshot?.data ?? ''), { flights: [rome] });
    } finally {
      client.close();
    }
  });

  test('delivers live events with increasing ids, a state change among them', async () => {
    const client = RawSseClient.open(server.port, { path: '/events' });
    try {
      await client.waitForEvents(1);
      await server.store.update({ flight: 'I768', state: 'landing' });
      await server.store.update({ flight: 'I768', state: 'landed' });
      const { events } = await client.waitForEvents(3);
      const ids = events.map((e) => Number(e.id?.split('-')[1]));
      assert.ok(
        ids.every((id, i) => i === 0 || id > (ids[i - 1] ?? 0)),
        `ids increase: ${ids}`,
      );
      assert.equal(events[1]?.event, FlightEvent.stateUpdate);
      assert.deepEqual(JSON.parse(events[2]?.data ?? ''), { flight: 'I768', state: 'landed' });
    } finally {
      client.close();
    }
  });
});

describe('the simulator on the real server', () => {
  test('puts the six seed flights on the board and changes a state soon after', async () => {
    const server = await startTestServer();
    const simulator = new Simulator(server.store, { seed: 7, speed: 20 });
    try {
      await simulator.start();
      const { flights } = await server.store.state();
      assert.deepEqual(
        flights.map(({ flight, origin, arrival }) => `${origin} ${flight} ${arrival}`),
        SEED_FLIGHTS.map(({ flight, origin, arrival }) => `${origin} ${flight} ${arrival}`),
      );
      const client = RawSseClient.open(server.port, { path: '/events' });
      try {
        await client.waitFor(
          (r) => r.events.some((e) => e.event === FlightEvent.stateUpdate),
          3000,
          'a flightStateUpdate from the simulator',
        );
      } finally {
        client.close();
      }
    } finally {
      simulator.stop();
      await server.close();
    }
  });
});

describe('static routes', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  test('GET / serves the demo page with the element on it', async () => {
    const res = await fetch(`${server.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await res.text(), /<flight-board src="\/events"/);
  });

  test('GET /flight-board.js serves the built element as one self-contained ES module', async () => {
    const res = await fetch(`${server.url}/flight-board.js`);
    assert.equal(res.status, 200, 'run `npm run build` first');
    assert.match(res.headers.get('content-type') ?? '', /javascript/);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const code = await res.text();
    assert.match(code, /flight-board/);
    assert.doesNotMatch(code, /^\s*import\s|from\s*["']lit/m, 'no import left: Lit is bundled');
  });

  test('GET /health answers ok', async () => {
    const res = await fetch(`${server.url}/health`);
    assert.equal(res.status, 200);
    assert.equal((await res.json()).status, 'ok');
  });
});
