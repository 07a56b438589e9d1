import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { http2Request } from '../test/support/http2-request.ts';
import { TEST_TOKEN } from '../test/support/rest-client.ts';
import { startTestServer, type TestServer } from '../test/support/test-server.ts';

describe('everything but the stream, over HTTP/2 (Express through the HTTP/2 compatibility API)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(
      { token: TEST_TOKEN, corsOrigins: ['https://board.example'] },
      { protocol: 'h2' },
    );
  });
  after(() => server.close());

  test('GET / is the demo page, with its security headers', async () => {
    const answer = await http2Request(server.port, '/');
    assert.equal(answer.status, 200);
    assert.match(answer.headers['content-type'] ?? '', /^text\/html/);
    assert.match(answer.body, /<flight-board/);
    assert.match(answer.headers['content-security-policy'] ?? '', /default-src 'self'/);
  });

  for (const bundle of ['/flight-board.js', '/flight-board.iife.js']) {
    test(`GET ${bundle} is the bundle, with Access-Control-Allow-Origin: *`, async () => {
      const answer = await http2Request(server.port, bundle, {
        headers: { origin: 'https://elsewhere.example' },
      });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['access-control-allow-origin'], '*');
      assert.match(answer.headers['content-type'] ?? '', /javascript/);
      assert.ok(answer.body.length > 1000);
    });
  }

  test('the REST API reads and writes, with its errors as JSON', async () => {
    const added = await http2Request(server.port, '/flights', {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ flight: 'H2', origin: 'Rome', arrival: '10:10' }),
    });
    assert.equal(added.status, 201, added.body);
    const read = await http2Request(server.port, '/flights');
    assert.equal(read.status, 200);
    assert.match(read.body, /"flight":"H2"/);
    const refused = await http2Request(server.port, '/flights', { method: 'POST', body: '{}' });
    assert.equal(refused.status, 401);
    assert.match(refused.body, /"error":\{"code":"/);
    const missing = await http2Request(server.port, '/nowhere');
    assert.equal(missing.status, 404);
    assert.match(missing.body, /no route for GET \/nowhere/);
  });

  test('/health and /metrics answer', async () => {
    assert.match((await http2Request(server.port, '/health')).body, /"status":"ok"/);
    assert.match((await http2Request(server.port, '/metrics')).body, /flight_board_clients_connected/);
  });

  test('the /events preflight allows GET and Last-Event-ID for an allowed origin', async () => {
    const answer = await http2Request(server.port, '/events', {
      method: 'OPTIONS',
      headers: { origin: 'https://board.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(answer.status, 204);
    assert.equal(answer.headers['access-control-allow-origin'], 'https://board.example');
    assert.match(answer.headers['access-control-allow-headers'] ?? '', /Last-Event-ID/);
  });

  test('HTTP/1.1 still works on the same port (ALPN), for clients without HTTP/2', async () => {
    const answer = await fetch(`${server.url}/health`); // undici's fetch speaks HTTP/1.1
    assert.equal(answer.status, 200);
  });
});
