import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RawSseClient } from '../test/support/raw-sse-client.ts';
import { api, TEST_TOKEN } from '../test/support/rest-client.ts';
import { startTestServer, type TestServer } from '../test/support/test-server.ts';

const ALLOWED = 'https://board.example';
const OTHER = 'https://evil.example';

/** The response headers of a short request (a stream is cut once its headers are in). */
async function headersOf(server: TestServer, path: string, init: RequestInit = {}): Promise<Headers> {
  const controller = new AbortController();
  const res = await fetch(`${server.url}${path}`, { ...init, signal: controller.signal });
  controller.abort();
  return res.headers;
}

function corsHeaders(headers: Headers): Record<string, string> {
  return Object.fromEntries([...headers].filter(([name]) => name.startsWith('access-control-')));
}

describe('CORS with an allow-list (CORS_ORIGINS=https://board.example)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ corsOrigins: [ALLOWED, 'http://localhost:8080'], token: TEST_TOKEN });
  });
  after(() => server.close());

  test('GET /events from an allowed Origin echoes it, allows credentials, and varies on Origin', async () => {
    const headers = await headersOf(server, '/events', { headers: { origin: ALLOWED } });
    assert.equal(headers.get('access-control-allow-origin'), ALLOWED);
    assert.equal(headers.get('access-control-allow-credentials'), 'true');
    assert.match(headers.get('vary') ?? '', /Origin/);
  });

  test('GET /events from a disallowed Origin gets no CORS header at all (but still Vary: Origin)', async () => {
    const headers = await headersOf(server, '/events', { headers: { origin: OTHER } });
    assert.deepEqual(corsHeaders(headers), {});
    assert.match(headers.get('vary') ?? '', /Origin/);
  });

  test('an Origin that only looks like an allowed one (prefix, suffix, case) is refused', async () => {
    for (const origin of [`${ALLOWED}.evil`, `${ALLOWED}:443`, 'https://BOARD.example', 'null']) {
      const headers = await headersOf(server, '/events', { headers: { origin } });
      assert.deepEqual(corsHeaders(headers), {}, origin);
    }
  });

  test('preflight from an allowed Origin allows GET and Last-Event-ID, Cache-Control, Authorization', async () => {
    const res = await fetch(`${server.url}/events`, {
      method: 'OPTIONS',
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'last-event-id',
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), ALLOWED);
    assert.equal(res.headers.get('access-control-allow-methods'), 'GET');
    const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/,\s*/);
    assert.deepEqual(allowed.sort(), ['authorization', 'cache-control', 'last-event-id']);
    assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
  });

  test('preflight from a disallowed Origin allows nothing', async () => {
    const res = await fetch(`${server.url}/events`, {
      method: 'OPTIONS',
      headers: { origin: OTHER, 'access-control-request-method': 'GET' },
    });
    assert.equal(res.status, 204);
    assert.deepEqual(corsHeaders(res.headers), {});
  });

  test('the 204 of a closed stream carries the CORS headers too', async () => {
    assert.equal((await api(server, 'POST', '/close')).status, 204);
    try {
      const res = await fetch(`${server.url}/events`, { headers: { origin: ALLOWED } });
      assert.equal(res.status, 204);
      assert.equal(res.headers.get('access-control-allow-origin'), ALLOWED);
      assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
    } finally {
      await api(server, 'POST', '/open');
    }
  });

  test('the raw stream answer carries them on the very first bytes', async () => {
    const client = RawSseClient.open(server.port, { path: '/events', headers: { Origin: ALLOWED } });
    try {
      const { headers } = await client.waitFor((r) => r.status > 0, 2000, 'headers');
      assert.equal(headers['access-control-allow-origin'], ALLOWED);
    } finally {
      client.close();
    }
  });

  test('REST routes share the allow-list; their preflight allows the write methods and Content-Type', async () => {
    const read = await api(server, 'GET', '/flights', { headers: { origin: ALLOWED } });
    assert.equal(read.headers.get('access-control-allow-origin'), ALLOWED);
    const denied = await api(server, 'POST', '/flights', {
      body: {},
      token: undefined,
      headers: { origin: ALLOWED },
    });
    assert.equal(denied.status, 401);
    assert.equal(
      denied.headers.get('access-control-allow-origin'),
      ALLOWED,
      'errors are readable cross-origin',
    );
    const preflight = await fetch(`${server.url}/flights/I768`, {
      method: 'OPTIONS',
      headers: { origin: ALLOWED, 'access-control-request-method': 'PATCH' },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /PATCH/);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Content-Type/);
  });

  test('the bundles answer Access-Control-Allow-Origin: * whatever the allow-list', async () => {
    const headers = await headersOf(server, '/flight-board.js', { headers: { origin: OTHER } });
    assert.equal(headers.get('access-control-allow-origin'), '*');
  });
});

describe('CORS_ORIGINS=*', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ corsOrigins: ['*'] });
  });
  after(() => server.close());

  test('any Origin gets Access-Control-Allow-Origin: * and never the credentials header', async () => {
    for (const origin of [ALLOWED, OTHER]) {
      const headers = await headersOf(server, '/events', { headers: { origin } });
      assert.equal(headers.get('access-control-allow-origin'), '*');
      assert.equal(headers.get('access-control-allow-credentials'), null);
    }
  });

  test('preflight allows GET and the resume headers, without credentials', async () => {
    const res = await fetch(`${server.url}/events`, {
      method: 'OPTIONS',
      headers: { origin: OTHER, 'access-control-request-method': 'GET' },
    });
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('access-control-allow-methods'), 'GET');
    assert.equal(res.headers.get('access-control-allow-credentials'), null);
  });
});

describe('no CORS_ORIGINS (same origin only)', () => {
  test('a cross-origin request gets no CORS header', async () => {
    const server = await startTestServer();
    try {
      const headers = await headersOf(server, '/events', { headers: { origin: ALLOWED } });
      assert.deepEqual(corsHeaders(headers), {});
    } finally {
      await server.close();
    }
  });
});
