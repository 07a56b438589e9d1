// POST /drop, the demo's "drop the connection" button: every stream ends without
// `closedConnection`, so clients reconnect by themselves and resume with Last-Event-ID.
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { EventSource } from 'eventsource';
import { FlightEvent } from '../protocol/protocol.ts';
import type { MemoryStore } from '../server/store/memory-store.ts';
import { RawSseClient } from './support/raw-sse-client.ts';
import { api, TEST_TOKEN } from './support/rest-client.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const oslo = { flight: 'K100', origin: 'Oslo', arrival: '11:40', state: 'scheduled' };
const rome = { flight: 'I768', origin: 'Rome', arrival: '10:10', state: 'scheduled' };

/** A stream read with node:http, whose `ended` settles with the whole body when the response ends. */
async function openStream(server: TestServer) {
  let body = '';
  const ended = new Promise<string>((resolve, reject) => {
    get(`${server.url}/events`, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
  const waitFor = async (predicate: (body: string) => boolean) => {
    for (let i = 0; i < 150 && !predicate(body); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(predicate(body), `timed out; the stream so far:\n${body}`);
  };
  return { ended, waitFor };
}

describe('POST /drop', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ token: TEST_TOKEN, retryMs: 100 });
  });
  afterEach(() => server.close());

  test('ends a raw client without closedConnection; it resumes with its id and gets the replay', async () => {
    const first = await openStream(server);
    await first.waitFor((body) => body.includes('event: flightSnapshot'));
    assert.equal((await api(server, 'POST', '/flights', { body: oslo })).status, 201);
    const id = (n: number) => (server.store as MemoryStore).idOf(n);
    await first.waitFor((body) => body.includes(`id: ${id(1)}\nevent: flightAdded`));

    assert.equal((await api(server, 'POST', '/drop')).status, 204);
    const body = await first.ended;
    assert.doesNotMatch(body, /closedConnection/, 'no closedConnection: the client must reconnect');
    assert.equal(server.hub.clientCount, 0);
    assert.equal(server.hub.isClosed, false, 'the stream stays open to new clients');

    // What happened while the client was away…
    assert.equal((await api(server, 'POST', '/flights', { body: rome })).status, 201);
    assert.equal((await api(server, 'PATCH', '/flights/K100', { body: { state: 'landing' } })).status, 200);

    const again = RawSseClient.open(server.port, { path: '/events', headers: { 'Last-Event-ID': id(1) } });
    try {
      const { events } = await again.waitForEvents(2);
      assert.deepEqual(
        events.map((e) => [e.id, e.event]),
        [
          [id(2), FlightEvent.added],
          [id(3), FlightEvent.stateUpdate],
        ],
        'the replay: every event after 1, in order, and no snapshot',
      );
    } finally {
      again.close();
    }
  });

  test('an EventSource reconnects by itself after a drop and receives the missed events with their ids', async () => {
    const source = new EventSource(`${server.url}/events`);
    const received: string[] = [];
    let errors = 0;
    const waitFor = async (predicate: () => boolean, what: string) => {
      for (let i = 0; i < 100 && !predicate(); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(predicate(), `timed out waiting for ${what}; received ${received.join(', ')}`);
    };
    for (const type of Object.values(FlightEvent)) {
      source.addEventListener(type, (e) => received.push(`${e.lastEventId} ${type}`));
    }
    source.addEventListener('error', () => {
      errors++;
    });
    try {
      await waitFor(() => received.length === 1, 'the snapshot');
      await api(server, 'POST', '/flights', { body: oslo });
      await waitFor(() => received.length === 2, 'flightAdded');

      await api(server, 'POST', '/drop');
      await waitFor(() => errors === 1 && server.hub.clientCount === 0, 'the drop');
      await api(server, 'DELETE', '/flights/K100');
      await waitFor(() => received.length === 3, 'the replayed removal');
      const id = (n: number) => (server.store as MemoryStore).idOf(n);
      assert.deepEqual(received, [
        `${id(0)} ${FlightEvent.snapshot}`,
        `${id(1)} ${FlightEvent.added}`,
        `${id(2)} ${FlightEvent.removal}`,
      ]);
      assert.equal(server.hub.stats.replays, 1, 'the reconnection was a replay, not a snapshot');
    } finally {
      source.close();
    }
  });

  test('needs the bearer token, and only takes POST', async () => {
    assert.equal((await api(server, 'POST', '/drop', { token: undefined })).status, 401);
    assert.equal((await api(server, 'POST', '/drop', { token: 'wrong' })).status, 403);
    const get = await api(server, 'GET', '/drop', { token: undefined });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
  });
});
