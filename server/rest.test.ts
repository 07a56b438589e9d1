import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { FlightEvent } from '../protocol/protocol.ts';
import { capturedLogger } from '../test/support/log-capture.ts';
import { RawSseClient } from '../test/support/raw-sse-client.ts';
import { api, TEST_TOKEN } from '../test/support/rest-client.ts';
import { startTestServer, type TestServer } from '../test/support/test-server.ts';
import { type FlightStore, StoreError } from './store/flight-store.ts';
import { MemoryStore } from './store/memory-store.ts';

const rome = { flight: 'I768', origin: 'Rome', arrival: '10:10', state: 'scheduled' };

interface ErrorJson {
  error: { code: string; message: string };
}

function errorOf(body: unknown): ErrorJson['error'] {
  const { error } = body as ErrorJson;
  assert.equal(typeof error?.code, 'string', `error JSON: ${JSON.stringify(body)}`);
  assert.equal(typeof error?.message, 'string');
  return error;
}

describe('REST API with a token configured', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ token: TEST_TOKEN });
  });
  afterEach(() => server.close());

  test('GET /flights → 200 { lastEventId, flights }', async () => {
    const added = await server.store.add({ ...rome });
    const { status, body } = await api(server, 'GET', '/flights', { token: undefined });
    assert.equal(status, 200);
    assert.deepEqual(body, { lastEventId: added.id, flights: [rome] });
    assert.match(added.id, /^\d{1,20}-1$/, 'the first event of this run: <epoch>-1');
  });

  test('POST /flights → 201 with the flight (state defaults to ""), emits flightAdded', async () => {
    const client = RawSseClient.open(server.port, { path: '/events' });
    try {
      await client.waitForEvents(1);
      const { status, body, headers } = await api(server, 'POST', '/flights', {
        body: { flight: 'A123', origin: 'London', arrival: '08:15', gate: 'B7' },
      });
      assert.equal(status, 201);
      assert.deepEqual(body, { flight: 'A123', origin: 'London', arrival: '08:15', state: '', gate: 'B7' });
      assert.equal(headers.get('location'), '/flights/A123');
      const { events } = await client.waitForEvents(2);
      assert.equal(events[1]?.event, FlightEvent.added);
      assert.deepEqual(JSON.parse(events[1]?.data ?? ''), body);
    } finally {
      client.close();
    }
  });

  test('POST /flights of a flight already on the board → 409', async () => {
    await server.store.add({ ...rome });
    const { status, body } = await api(server, 'POST', '/flights', { body: rome });
    assert.equal(status, 409);
    assert.equal(errorOf(body).code, 'flight-exists');
  });

  test('PATCH /flights/:flight → 200 with the updated flight, emits flightStateUpdate with the changes', async () => {
    await server.store.add({ ...rome });
    const client = RawSseClient.open(server.port, { path: '/events' });
    try {
      await client.waitForEvents(1);
      const { status, body } = await api(server, 'PATCH', '/flights/I768', { body: { state: 'landing' } });
      assert.equal(status, 200);
      assert.deepEqual(body, { ...rome, state: 'landing' });
      const { events } = await client.waitForEvents(2);
      assert.equal(events[1]?.event, FlightEvent.stateUpdate);
      assert.deepEqual(JSON.parse(events[1]?.data ?? ''), { state: 'landing', flight: 'I768' });
    } finally {
      client.close();
    }
  });

  test('PATCH /flights/:flight answers from the write itself: it does not read the whole board', async () => {
    await server.store.add({ ...rome });
    await server.store.add({ flight: 'A123', origin: 'London', arrival: '08:15', state: 'on time' });
    const state = server.store.state.bind(server.store);
    let reads = 0;
    server.store.state = () => {
      reads++;
      return state();
    };
    try {
      const { status, body } = await api(server, 'PATCH', '/flights/I768', { body: { gate: 'B4' } });
      assert.equal(status, 200);
      assert.deepEqual(body, { ...rome, gate: 'B4' });
      assert.equal(reads, 0);
    } finally {
      server.store.state = state;
    }
  });

  test('PATCH /flights/:flight of an unknown flight → 404', async () => {
    const { status, body } = await api(server, 'PATCH', '/flights/ZZ9', { body: { state: 'landed' } });
    assert.equal(status, 404);
    assert.equal(errorOf(body).code, 'flight-not-found');
    assert.match(errorOf(body).message, /ZZ9/);
  });

  test('DELETE /flights/:flight → 204, emits flightRemoval; again → 404', async () => {
    const added = await server.store.add({ ...rome });
    const first = await api(server, 'DELETE', '/flights/I768');
    assert.equal(first.status, 204);
    const { events } = await server.store.eventsAfter(added.id).then((e) => ({ events: e ?? [] }));
    assert.equal(events[0]?.event, FlightEvent.removal);
    assert.deepEqual(JSON.parse(events[0]?.data ?? ''), { flight: 'I768' });
    const again = await api(server, 'DELETE', '/flights/I768');
    assert.equal(again.status, 404);
    assert.equal(errorOf(again.body).code, 'flight-not-found');
  });

  const writes: [string, string, unknown][] = [
    ['POST', '/flights', rome],
    ['PATCH', '/flights/I768', { state: 'x' }],
    ['DELETE', '/flights/I768', undefined],
    ['POST', '/close', undefined],
    ['POST', '/open', undefined],
  ];
  for (const [method, path, body] of writes) {
    test(`${method} ${path} without Authorization → 401 with WWW-Authenticate`, async () => {
      const answer = await api(server, method, path, { body, token: undefined });
      assert.equal(answer.status, 401);
      assert.equal(errorOf(answer.body).code, 'unauthorized');
      assert.match(answer.headers.get('www-authenticate') ?? '', /^Bearer/);
    });
    test(`${method} ${path} with a wrong token → 403`, async () => {
      const answer = await api(server, method, path, { body, token: `${TEST_TOKEN}x` });
      assert.equal(answer.status, 403);
      assert.equal(errorOf(answer.body).code, 'forbidden');
    });
  }

  test('a Basic or malformed Authorization header counts as none → 401', async () => {
    for (const authorization of ['Basic dXNlcjpwYXNz', 'Bearer', TEST_TOKEN, `Bearer ${TEST_TOKEN} extra`]) {
      const answer = await api(server, 'POST', '/open', { token: undefined, headers: { authorization } });
      assert.equal(answer.status, 401, authorization);
    }
  });

  test('the scheme is case-insensitive: "bearer <token>" is accepted', async () => {
    const answer = await api(server, 'POST', '/open', {
      token: undefined,
      headers: { authorization: `bearer ${TEST_TOKEN}` },
    });
    assert.equal(answer.status, 204);
  });

  const invalid: [string, unknown, RegExp][] = [
    [
      'a lower-case flight',
      { ...rome, flight: 'i768' },
      /flight must be 1 to 12 characters, each A-Z or 0-9 \(got "i768"\)/,
    ],
    ['a 13-character flight', { ...rome, flight: 'A'.repeat(13) }, /got "AAAAAAAAAAAAA"/],
    ['an empty flight', { ...rome, flight: '' }, /flight must be 1 to 12/],
    ['a numeric flight', { ...rome, flight: 768 }, /flight must be text/],
    ['no origin', { flight: 'I768', arrival: '10:10' }, /origin is missing/],
    ['an empty origin', { ...rome, origin: '' }, /origin must not be empty \(got ""\)/],
    ['arrival 25:00', { ...rome, arrival: '25:00' }, /arrival must be a time in HH:MM form.*\(got "25:00"\)/],
    ['arrival 9:30', { ...rome, arrival: '9:30' }, /got "9:30"/],
    ['a numeric state', { ...rome, state: 3 }, /state must be text \(got 3\)/],
    ['an array', [rome], /must be a JSON object, got \[/],
    ['a JSON string', 'x', /must be a JSON object, got "x"/],
    ['null', null, /must be a JSON object, got null/],
  ];
  for (const [what, body, message] of invalid) {
    test(`POST /flights with ${what} → 400 naming the rule and the value`, async () => {
      const answer = await api(server, 'POST', '/flights', { body: JSON.stringify(body) });
      assert.equal(answer.status, 400);
      assert.match(errorOf(answer.body).message, message);
    });
  }

  test('PATCH may not change the key, and must change something → 400', async () => {
    await server.store.add({ ...rome });
    const rename = await api(server, 'PATCH', '/flights/I768', { body: { flight: 'X1', state: 'a' } });
    assert.equal(rename.status, 400);
    assert.match(errorOf(rename.body).message, /flight cannot be changed \(got "X1"\)/);
    const empty = await api(server, 'PATCH', '/flights/I768', { body: {} });
    assert.equal(empty.status, 400);
    assert.match(errorOf(empty.body).message, /at least one field/);
    const bad = await api(server, 'PATCH', '/flights/I768', { body: { arrival: 'soon' } });
    assert.equal(bad.status, 400);
    assert.match(errorOf(bad.body).message, /arrival .* \(got "soon"\)/);
  });

  test('PATCH repeating the same key is accepted', async () => {
    await server.store.add({ ...rome });
    const answer = await api(server, 'PATCH', '/flights/I768', { body: { flight: 'I768', state: 'landed' } });
    assert.equal(answer.status, 200);
  });

  test('malformed JSON → 400 invalid-json', async () => {
    const answer = await api(server, 'POST', '/flights', { body: '{"flight": ' });
    assert.equal(answer.status, 400);
    assert.equal(errorOf(answer.body).code, 'invalid-json');
  });

  test('a body that is not JSON → 415, and no body at all → 400', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const answer = await api(server, 'POST', '/flights', {
        body: JSON.stringify(rome),
        headers: { 'content-type': type },
      });
      assert.equal(answer.status, 415, type);
      assert.equal(errorOf(answer.body).code, 'unsupported-media-type');
      assert.match(errorOf(answer.body).message, new RegExp(type.split(';')[0] ?? ''));
    }
    const none = await api(server, 'POST', '/flights');
    assert.equal(none.status, 400);
    assert.equal(errorOf(none.body).code, 'missing-body');
  });

  test('application/*+json and a charset are accepted', async () => {
    const answer = await api(server, 'POST', '/flights', {
      body: rome,
      headers: { 'content-type': 'application/merge-patch+json; charset=utf-8' },
    });
    assert.equal(answer.status, 201);
  });

  test('a body over 16 KiB → 413; exactly 16 KiB is read', async () => {
    const padded = (size: number) => {
      const base = JSON.stringify({ ...rome, pad: '' });
      return JSON.stringify({ ...rome, pad: 'x'.repeat(size - base.length) });
    };
    const over = await api(server, 'POST', '/flights', { body: padded(16 * 1024 + 1) });
    assert.equal(over.status, 413);
    assert.equal(errorOf(over.body).code, 'body-too-large');
    const limit = await api(server, 'POST', '/flights', { body: padded(16 * 1024) });
    assert.equal(limit.status, 201);
  });

  test('a rejected write changes nothing and emits nothing', async () => {
    await server.store.add({ ...rome });
    const before = await server.store.state();
    const client = RawSseClient.open(server.port, { path: '/events' });
    try {
      await client.waitForEvents(1);
      const rejected = [
        await api(server, 'POST', '/flights', { body: { ...rome, flight: 'NEW1' }, token: undefined }),
        await api(server, 'POST', '/flights', { body: { ...rome, flight: 'NEW1' }, token: 'wrong' }),
        await api(server, 'POST', '/flights', { body: { ...rome, flight: 'NEW1', arrival: 'x' } }),
        await api(server, 'POST', '/flights', { body: rome }),
        await api(server, 'PATCH', '/flights/I768', { body: { state: 3 } }),
        await api(server, 'PATCH', '/flights/NOPE', { body: { state: 'x' } }),
        await api(server, 'DELETE', '/flights/NOPE'),
        await api(server, 'DELETE', '/flights/I768', { token: undefined }),
        await api(server, 'POST', '/close', { token: 'wrong' }),
        await api(server, 'POST', '/flights', { body: 'x'.repeat(20_000) }),
      ];
      assert.deepEqual(
        rejected.map((r) => r.status),
        [401, 403, 400, 409, 400, 404, 404, 401, 403, 413],
      );
      assert.deepEqual(await server.store.state(), before);
      assert.equal(server.hub.isClosed, false);
      const marker = await api(server, 'PATCH', '/flights/I768', { body: { state: 'marker' } });
      assert.equal(marker.status, 200);
      const { events } = await client.waitForEvents(2);
      assert.equal(events.length, 2, 'the marker is the first event after the snapshot');
      assert.deepEqual(JSON.parse(events[1]?.data ?? ''), { state: 'marker', flight: 'I768' });
    } finally {
      client.close();
    }
  });

  test('GET /close or /open (a write-only route) → 405 with Allow: POST', async () => {
    for (const path of ['/close', '/open']) {
      const answer = await api(server, 'GET', path);
      assert.equal(answer.status, 405);
      assert.equal(answer.headers.get('allow'), 'POST');
      assert.equal(errorOf(answer.body).code, 'method-not-allowed');
    }
    assert.equal(server.hub.isClosed, false);
  });

  test('an unknown route answers the error JSON 404', async () => {
    const answer = await api(server, 'GET', '/nope');
    assert.equal(answer.status, 404);
    assert.match(errorOf(answer.body).message, /GET \/nope/);
  });
});

describe('REST API: small answers that must be exact (issue 18.7)', () => {
  let server: TestServer;
  let log: ReturnType<typeof capturedLogger>;
  beforeEach(async () => {
    log = capturedLogger('info');
    server = await startTestServer({ token: TEST_TOKEN }, { logger: log.logger });
  });
  afterEach(() => server.close());

  test('GET /flights/% (a malformed path) → 400 invalid-path, not a 500, and no stack in the log', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const answer = await api(
        server,
        method,
        '/flights/%',
        method === 'PATCH' ? { body: { state: 'x' } } : {},
      );
      assert.equal(answer.status, 400, method);
      assert.equal(errorOf(answer.body).code, 'invalid-path');
    }
    assert.ok(log.lines.length > 0, 'the requests were logged');
    for (const line of log.lines) assert.doesNotMatch(line, /stack|URIError|"level":50/);
  });

  test('PUT /flights/I768 and PUT /flights → 405 with Allow', async () => {
    const one = await api(server, 'PUT', '/flights/I768', { body: rome });
    assert.equal(one.status, 405);
    assert.equal(one.headers.get('allow'), 'PATCH, DELETE');
    assert.equal(errorOf(one.body).code, 'method-not-allowed');
    const all = await api(server, 'PUT', '/flights', { body: rome });
    assert.equal(all.status, 405);
    assert.equal(all.headers.get('allow'), 'GET, HEAD, POST');
    assert.deepEqual((await server.store.state()).flights, []);
  });

  test('1e400 in an extra field → 400 (it would be stored as null), nothing stored', async () => {
    const body = '{"flight":"I768","origin":"Rome","arrival":"10:10","gate":1e400}';
    const answer = await api(server, 'POST', '/flights', { body });
    assert.equal(answer.status, 400);
    assert.equal(errorOf(answer.body).code, 'invalid-number');
    assert.match(errorOf(answer.body).message, /gate/);
    const deep = await api(server, 'POST', '/flights', {
      body: '{"flight":"I768","origin":"Rome","arrival":"10:10","x":{"y":[-1e999]}}',
    });
    assert.equal(deep.status, 400);
    assert.deepEqual((await server.store.state()).flights, []);
  });
});

describe('Idempotency-Key: a retried write applies once (issue 18.6)', () => {
  let server: TestServer;
  let emitted: string[];
  beforeEach(async () => {
    server = await startTestServer({ token: TEST_TOKEN });
    emitted = [];
    server.store.subscribe((event) => emitted.push(event.event));
  });
  afterEach(() => server.close());

  const withKey = (key: string, options: Parameters<typeof api>[3] = {}) => ({
    ...options,
    headers: { 'Idempotency-Key': key },
  });

  test('POST twice with one key: 201 both times with the same flight, one flightAdded; without a key, 409', async () => {
    const first = await api(server, 'POST', '/flights', withKey('add-I768', { body: rome }));
    const again = await api(server, 'POST', '/flights', withKey('add-I768', { body: rome }));
    assert.equal(first.status, 201);
    assert.equal(again.status, 201);
    assert.deepEqual(again.body, first.body);
    assert.deepEqual(emitted, [FlightEvent.added], 'the retry emitted nothing');
    assert.equal((await api(server, 'POST', '/flights', { body: rome })).status, 409);
  });

  test('PATCH and DELETE answer their first outcome again, even once the board moved on', async () => {
    await server.store.add({ ...rome });
    const patched = await api(
      server,
      'PATCH',
      '/flights/I768',
      withKey('p-1', { body: { state: 'landing' } }),
    );
    await server.store.update({ flight: 'I768', state: 'landed' });
    const patchedAgain = await api(
      server,
      'PATCH',
      '/flights/I768',
      withKey('p-1', { body: { state: 'landing' } }),
    );
    assert.equal(patchedAgain.status, 200);
    assert.deepEqual(patchedAgain.body, patched.body, 'the first answer, not the board as it is now');
    const removed = await api(server, 'DELETE', '/flights/I768', withKey('d-1'));
    const removedAgain = await api(server, 'DELETE', '/flights/I768', withKey('d-1'));
    assert.deepEqual([removed.status, removedAgain.status], [204, 204], 'not a 404 the second time');
    assert.deepEqual(emitted, [
      FlightEvent.added,
      FlightEvent.stateUpdate,
      FlightEvent.stateUpdate,
      FlightEvent.removal,
    ]);
  });

  test('a refusal is an outcome too: a 404 under a key stays a 404 for that key', async () => {
    const missing = await api(server, 'DELETE', '/flights/ZZ9', withKey('d-zz9'));
    await server.store.add({ ...rome, flight: 'ZZ9' });
    const again = await api(server, 'DELETE', '/flights/ZZ9', withKey('d-zz9'));
    assert.deepEqual([missing.status, again.status], [404, 404]);
    assert.equal((await server.store.state()).flights.length, 1, 'ZZ9 stays');
  });

  test('a key reused for another write → 422 idempotency-key-reused, nothing changes', async () => {
    await api(server, 'POST', '/flights', withKey('k', { body: rome }));
    const other = await api(server, 'DELETE', '/flights/I768', withKey('k'));
    assert.equal(other.status, 422);
    assert.equal(errorOf(other.body).code, 'idempotency-key-reused');
    assert.equal((await server.store.state()).flights.length, 1);
  });

  const malformed = ['', 'a'.repeat(65), 'has space', 'ünï', 'a/b', 'a.b'];
  for (const key of malformed) {
    test(`Idempotency-Key ${JSON.stringify(key.length > 20 ? `${key.slice(0, 8)}…` : key)} → 400 invalid-idempotency-key, nothing stored`, async () => {
      const answer = await api(server, 'POST', '/flights', withKey(key, { body: rome }));
      assert.equal(answer.status, 400);
      assert.equal(errorOf(answer.body).code, 'invalid-idempotency-key');
      assert.deepEqual(emitted, []);
    });
  }

  test('a write whose outcome is unknown → 504 outcome-unknown, with Retry-After and what to do', async () => {
    const store = Object.assign(new MemoryStore(10), {
      add: async () => {
        throw new StoreError('outcome-unknown', 'Redis at redis://localhost:6379 did not answer in time');
      },
    });
    const unsure = await startTestServer({ token: TEST_TOKEN }, store);
    try {
      const answer = await api(unsure, 'POST', '/flights', withKey('x', { body: rome }));
      assert.equal(answer.status, 504);
      assert.equal(errorOf(answer.body).code, 'outcome-unknown');
      assert.match(errorOf(answer.body).message, /may still apply.*same Idempotency-Key/);
      assert.ok(answer.headers.get('retry-after'));
    } finally {
      await unsure.close();
    }
  });
});

describe('REST API with two tokens (rotation: FLIGHT_BOARD_TOKEN=new,old)', () => {
  test('either token writes; anything else is 403', async () => {
    const server = await startTestServer({ token: 'n3w-token,0ld-token' });
    try {
      const byNew = await api(server, 'POST', '/flights', { body: rome, token: 'n3w-token' });
      assert.equal(byNew.status, 201);
      const byOld = await api(server, 'DELETE', '/flights/I768', { token: '0ld-token' });
      assert.equal(byOld.status, 204);
      for (const token of ['n3w-token,0ld-token', 'n3w', 'other']) {
        assert.equal((await api(server, 'POST', '/flights', { body: rome, token })).status, 403, token);
      }
    } finally {
      await server.close();
    }
  });
});

describe('REST API without a token configured', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ token: undefined });
  });
  after(() => server.close());

  test('every write → 403 telling how to enable writes, with or without a token', async () => {
    for (const token of [undefined, 'anything']) {
      const answer = await api(server, 'POST', '/flights', { body: rome, token });
      assert.equal(answer.status, 403);
      assert.equal(errorOf(answer.body).code, 'writes-disabled');
      assert.match(errorOf(answer.body).message, /FLIGHT_BOARD_TOKEN/);
      assert.match(
        errorOf(answer.body).message,
        /--generate-token/,
        'the quickest way, as the start line says',
      );
    }
    assert.deepEqual((await server.store.state()).flights, []);
  });

  test('reads still work', async () => {
    assert.equal((await api(server, 'GET', '/flights', { token: undefined })).status, 200);
  });
});

describe('a store that is down', () => {
  /** A store whose writes fail the way the Redis store fails when Redis is unreachable. */
  function unavailableStore(): FlightStore {
    const store = new MemoryStore(10);
    const down = async () => {
      throw new StoreError('unavailable', 'Redis at redis://localhost:6379 did not answer');
    };
    return Object.assign(store, { add: down, update: down, remove: down, setClosed: down });
  }

  test('GET /flights and POST /close → 503 too, and the stream stays open', async () => {
    const store = unavailableStore();
    const server = await startTestServer(
      { token: TEST_TOKEN },
      Object.assign(store, {
        state: async () => {
          throw new StoreError('unavailable', 'Redis did not answer');
        },
      }),
    );
    try {
      const read = await api(server, 'GET', '/flights');
      assert.equal(read.status, 503);
      assert.equal(errorOf(read.body).code, 'store-unavailable');
      const close = await api(server, 'POST', '/close');
      assert.equal(close.status, 503);
      assert.equal(server.hub.isClosed, false, 'a failed /close changes nothing');
    } finally {
      await server.close();
    }
  });

  test('a stream whose snapshot cannot be read is dropped at once, so EventSource retries', async () => {
    const store = Object.assign(new MemoryStore(10), {
      state: async () => {
        throw new StoreError('unavailable', 'Redis did not answer');
      },
    });
    const server = await startTestServer({ retryMs: 100 }, store);
    const client = RawSseClient.open(server.port, { path: '/events' });
    try {
      const { status, retry, events } = await client.waitForEnd(2000);
      assert.equal(status, 200);
      assert.equal(retry, 100, 'retry: came first, so the client knows when to come back');
      assert.deepEqual(events, []);
      assert.equal(server.hub.clientCount, 0);
    } finally {
      client.close();
      await server.close();
    }
  });

  test('a write → 503 store-unavailable with Retry-After and a clear message', async () => {
    const server = await startTestServer({ token: TEST_TOKEN }, unavailableStore());
    try {
      const answer = await api(server, 'POST', '/flights', { body: rome });
      assert.equal(answer.status, 503);
      assert.equal(errorOf(answer.body).code, 'store-unavailable');
      assert.match(errorOf(answer.body).message, /unavailable .*Redis.*nothing was changed: retry shortly/);
      assert.ok(answer.headers.get('retry-after'));
    } finally {
      await server.close();
    }
  });
});
