import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FlightStore } from '../../server/store/flight-store.ts';
import { MemoryStore } from '../../server/store/memory-store.ts';
import { capturedLogger } from '../support/log-capture.ts';
import { RawSseClient } from '../support/raw-sse-client.ts';
import { api, TEST_TOKEN } from '../support/rest-client.ts';
import { startTestServer } from '../support/test-server.ts';
import { assertClean, assertErrorJson, assertNoStackTrace, rawGet, rawRequest } from './raw-http.ts';

// What the server must never give away: stack traces and internal messages in answers, the
// token in its logs, cookies anywhere (the stream above all).

// ---- helpers ---------------------------------------------------------------------------

const SECRET_DETAIL = 'internal-detail-/srv/secret/path.ts:42';

/** A store whose every call throws a plain Error (a bug, not a StoreError): the 500 path. */
function brokenStore(): FlightStore {
  const store = new MemoryStore(10);
  const fail = async () => {
    throw new TypeError(`Cannot read properties of undefined (${SECRET_DETAIL})`);
  };
  return Object.assign(store, {
    state: fail,
    eventsAfter: fail,
    add: fail,
    update: fail,
    remove: fail,
    setClosed: fail,
  });
}

// ---- behaviour -------------------------------------------------------------------------

describe('internal errors', () => {
  for (const [method, path, body] of [
    ['GET', '/flights', undefined],
    ['POST', '/flights', { flight: 'A1', origin: 'x', arrival: '10:00' }],
    ['PATCH', '/flights/A1', { state: 'landed' }],
    ['DELETE', '/flights/A1', undefined],
    ['POST', '/close', undefined],
  ] as const) {
    test(`${method} ${path} on a store that throws → 500 internal with the error JSON, no stack, no message; the cause is logged`, async () => {
      const { logger, entries } = capturedLogger('error');
      const server = await startTestServer({ token: TEST_TOKEN }, { store: brokenStore(), logger });
      try {
        const answer = await api(server, method, path, body === undefined ? {} : { body });
        assert.equal(answer.status, 500);
        const text = JSON.stringify(answer.body);
        assertErrorJson({ status: 500, body: text, headers: { 'content-type': 'application/json' } }, path);
        assert.equal((answer.body as { error: { code: string } }).error.code, 'internal');
        assertNoStackTrace(text, path);
        assert.ok(!text.includes(SECRET_DETAIL), `the internal message leaked: ${text}`);
        assert.ok(!text.includes('TypeError'), text);
        const logged = entries().find((e) => JSON.stringify(e).includes(SECRET_DETAIL));
        assert.ok(logged, 'the cause is in the server log, for the operator');
        assert.match(JSON.stringify(logged), /stack/, 'with its stack');
      } finally {
        await server.close();
      }
    });
  }

  test('a stream whose snapshot read throws is dropped without a byte of the error', async () => {
    const server = await startTestServer({}, { store: brokenStore() });
    try {
      const answer = await rawRequest(server.port, rawGet('/events'));
      assert.equal(answer.status, 200);
      assert.equal(answer.firstEvent, undefined);
      assert.ok(!answer.body.includes(SECRET_DETAIL));
    } finally {
      await server.close();
    }
  });
});

describe('the token never reaches the logs', () => {
  // Request paths are logged (without their query): a token put in a path would be, as it would
  // be in every proxy's access log. SECURITY.md says to keep it out of URLs.
  test('not from a query string, a near-miss token, a token in another header, or a successful write', async () => {
    const { logger, lines } = capturedLogger('trace');
    const server = await startTestServer({ token: TEST_TOKEN }, { logger });
    try {
      const attempts: [string, string, Parameters<typeof api>[3]][] = [
        ['POST', `/close?access_token=${TEST_TOKEN}`, { token: undefined }],
        ['POST', '/open', { token: `${TEST_TOKEN}x` }],
        ['POST', '/open', { token: TEST_TOKEN.slice(0, -1) }],
        [
          'POST',
          '/open',
          { token: undefined, headers: { 'x-api-key': TEST_TOKEN, cookie: `token=${TEST_TOKEN}` } },
        ],
        ['DELETE', '/flights/NOPE', {}],
        ['GET', `/nothing-here?token=${TEST_TOKEN}`, {}],
      ];
      for (const [method, path, options] of attempts) await api(server, method, path, options);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.ok(lines.length >= attempts.length);
      const leak = lines.find((line) => line.includes(TEST_TOKEN) || line.includes(TEST_TOKEN.slice(0, 20)));
      assert.equal(leak, undefined);
    } finally {
      await server.close();
    }
  });
});

describe('cookies', () => {
  test('no answer sets a cookie: the stream (snapshot, replay, 204, 503), REST, errors, demo and bundles', async () => {
    const server = await startTestServer({
      token: TEST_TOKEN,
      maxClients: 1,
      corsOrigins: ['https://a.example'],
    });
    try {
      await server.store.add({ flight: 'C1', origin: 'x', arrival: '10:00', state: '' });
      const answers = [
        await rawRequest(server.port, rawGet('/events', [['Origin', 'https://a.example']])),
        await rawRequest(server.port, rawGet('/events', [['Last-Event-ID', '0']])),
        await rawRequest(server.port, rawGet('/events', [['Cookie', 'session=abc']])),
        await rawRequest(server.port, rawGet('/events', [['Origin', 'https://a.example']], 'OPTIONS')),
        await rawRequest(server.port, rawGet('/flights')),
        await rawRequest(server.port, rawGet('/flights', [['Authorization', 'Bearer wrong']], 'POST')),
        await rawRequest(server.port, rawGet('/nope')),
        await rawRequest(server.port, rawGet('/')),
        await rawRequest(server.port, rawGet('/flight-board.js')),
        await rawRequest(server.port, rawGet('/health')),
        await rawRequest(server.port, rawGet('/metrics')),
      ];
      await api(server, 'POST', '/close');
      answers.push(await rawRequest(server.port, rawGet('/events')));
      const statuses = answers.map((a) => a.status);
      assert.ok(statuses.includes(204), 'the closed stream was asked');
      for (const answer of answers) {
        assertClean(answer, `status ${answer.status}`);
        assert.equal(answer.headers['set-cookie'], undefined, `status ${answer.status} set a cookie`);
      }
    } finally {
      await server.close();
    }
  });

  test('a full stream (503 past MAX_CLIENTS) sets no cookie either', async () => {
    const server = await startTestServer({ maxClients: 1 });
    const held = RawSseClient.open(server.port, { path: '/events' });
    try {
      await held.waitForEvents(1);
      const full = await rawRequest(server.port, rawGet('/events'));
      assert.equal(full.status, 503);
      assert.equal(full.headers['set-cookie'], undefined);
    } finally {
      held.close();
      await server.close();
    }
  });
});
