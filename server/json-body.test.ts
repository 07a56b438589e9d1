import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, TEST_TOKEN } from '../test/support/rest-client.ts';
import { startTestServer, type TestServer } from '../test/support/test-server.ts';
import { MAX_BODY_DEPTH, nestsDeeperThan } from './json-body.ts';

// ---- helpers ---------------------------------------------------------------------------

/** `levels` arrays inside each other: `[[[…]]]`. */
function nestedArrays(levels: number): string {
  return `${'['.repeat(levels)}${']'.repeat(levels)}`;
}

// ---- behaviour -------------------------------------------------------------------------

describe('nestsDeeperThan', () => {
  for (const [text, max, expected] of [
    ['1', 0, false],
    ['{}', 1, false],
    ['{}', 0, true],
    ['{"a":[1,{"b":2}]}', 3, false],
    ['{"a":[1,{"b":{}}]}', 3, true],
    [nestedArrays(10_000), 32, true],
  ] as const) {
    test(`${text.length > 24 ? `${text.slice(0, 8)}… (${text.length} chars)` : text} deeper than ${max} → ${expected}`, () => {
      assert.equal(nestsDeeperThan(JSON.parse(text), max), expected);
    });
  }
});

describe('a write body nested thousands of levels deep (fits in 16 KiB)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ token: TEST_TOKEN });
  });
  after(() => server.close());

  // JSON.parse accepts it, but JSON.stringify recursed and overflowed the stack: the write
  // answered 500, and a flight stored with such an extra field made every later
  // GET /flights (and every snapshot) fail with 500.
  for (const [what, body] of [
    ['as the whole body', nestedArrays(8000)],
    [
      'in an extra field of a valid flight',
      `{"flight":"D1","origin":"x","arrival":"10:00","x":${nestedArrays(7900)}}`,
    ],
    ['in a PATCH', `{"state":"x","x":${nestedArrays(7900)}}`],
  ] as const) {
    test(`${what} → 400 body-too-deep, and the board still reads`, async () => {
      const path = what === 'in a PATCH' ? '/flights/D0' : '/flights';
      const answer = await api(server, what === 'in a PATCH' ? 'PATCH' : 'POST', path, { body });
      assert.equal(answer.status, 400);
      assert.equal((answer.body as { error: { code: string } }).error.code, 'body-too-deep');
      const board = await api(server, 'GET', '/flights');
      assert.equal(board.status, 200);
      assert.deepEqual((board.body as { flights: unknown[] }).flights, []);
    });
  }

  test(`${MAX_BODY_DEPTH} levels are still accepted in an extra field`, async () => {
    let nested: unknown = 1;
    for (let i = 1; i < MAX_BODY_DEPTH; i++) nested = [nested];
    const flight = { flight: 'OK1', origin: 'x', arrival: '10:00', state: '', x: nested };
    const answer = await api(server, 'POST', '/flights', { body: flight });
    assert.equal(answer.status, 201);
    assert.equal((await api(server, 'DELETE', '/flights/OK1')).status, 204);
  });
});
