import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RawSseClient } from '../test/support/raw-sse-client.ts';
import { startTestServer, type TestServer } from '../test/support/test-server.ts';

describe('security headers', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  for (const path of ['/', '/demo.css', '/clock.js']) {
    test(`the demo route ${path} has a CSP, nosniff, no framing, no referrer, same-origin resources`, async () => {
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.status, 200);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /script-src 'self'(;|$)/, 'no inline scripts');
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(res.headers.get('cross-origin-resource-policy'), 'same-origin');
    });
  }

  test('the bundles have them too, but may be loaded from any origin', async () => {
    const res = await fetch(`${server.url}/flight-board.iife.js`);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('cross-origin-resource-policy'), 'cross-origin');
  });

  test('the stream has none of them', async () => {
    const client = RawSseClient.open(server.port, { path: '/events' });
    try {
      const { headers } = await client.waitFor((r) => r.status > 0, 2000, 'headers');
      for (const name of [
        'content-security-policy',
        'x-frame-options',
        'cross-origin-resource-policy',
        'x-powered-by',
      ]) {
        assert.equal(headers[name], undefined, name);
      }
    } finally {
      client.close();
    }
  });
});
