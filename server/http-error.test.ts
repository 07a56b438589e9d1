import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { api, TEST_TOKEN } from '../test/support/rest-client.ts';
import { startTestServer } from '../test/support/test-server.ts';
import { HttpError, toHttpError } from './http-error.ts';

// ---- helpers ---------------------------------------------------------------------------

/** An error as body-parser (http-errors) makes it for a body it cannot read. */
function clientBodyError(status: number, type?: string): Error {
  return Object.assign(new Error('incorrect header check'), {
    status,
    expose: true,
    ...(type ? { type } : {}),
  });
}

// ---- behaviour -------------------------------------------------------------------------

describe('toHttpError', () => {
  for (const [what, error, status, code] of [
    ['an HttpError', new HttpError(409, 'flight-exists', 'x'), 409, 'flight-exists'],
    ['a zlib failure body-parser marks as 400 (no type)', clientBodyError(400), 400, 'unreadable-body'],
    [
      'a body shorter than its Content-Length',
      clientBodyError(400, 'request.size.invalid'),
      400,
      'unreadable-body',
    ],
    ['a body over the limit', clientBodyError(413, 'entity.too.large'), 413, 'body-too-large'],
    ['a plain Error', new Error('boom'), 500, 'internal'],
    ['an exposed 5xx', Object.assign(new Error('x'), { status: 502, expose: true }), 500, 'internal'],
    ['a thrown string', 'boom', 500, 'internal'],
  ] as const) {
    test(`${what} → ${status} ${code}`, () => {
      const answer = toHttpError(error);
      assert.equal(answer.status, status);
      assert.equal(answer.code, code);
      assert.doesNotMatch(answer.message, /incorrect header check|boom/, 'no internal message is echoed');
    });
  }
});

describe('a write whose body is not what its Content-Encoding says', () => {
  // zlib's "incorrect header check" reached the error handler without a body-parser type and
  // was answered as a 500 internal error, although the fault was the client's.
  test('Content-Encoding: gzip on plain JSON → 400 unreadable-body, the board unchanged', async () => {
    const server = await startTestServer({ token: TEST_TOKEN });
    try {
      const answer = await api(server, 'POST', '/flights', {
        body: { flight: 'Z1', origin: 'x', arrival: '10:00' },
        headers: { 'content-encoding': 'gzip' },
      });
      assert.equal(answer.status, 400);
      assert.deepEqual((answer.body as { error: { code: string } }).error.code, 'unreadable-body');
      assert.deepEqual((await server.store.state()).flights, []);
    } finally {
      await server.close();
    }
  });
});
