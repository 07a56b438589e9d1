import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { FlightEvent } from '../../protocol/protocol.ts';
import { api, TEST_TOKEN } from '../support/rest-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { assertClean, assertErrorJson, rawGet, rawRequest } from './raw-http.ts';

// Any path, query string, method and header set gets a clean answer (never a 5xx, a crash or
// a hang), never a file from outside demo/ and dist/, and never changes the board.

// ---- helpers ---------------------------------------------------------------------------

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const ALLOWED_ORIGIN = 'https://board.example';

/** Text only files outside the public directories contain (package.json, tsconfig, server sources, .git, /etc). */
const PRIVATE_MARKERS = [
  '"devDependencies"',
  '"compilerOptions"',
  'process.env',
  'repositoryformatversion',
  'root:x:0:0',
];

const segment = fc.oneof(
  fc.constantFrom(
    '..',
    '.',
    '%2e%2e',
    '%2E%2E%2F',
    '..%2f',
    '%c0%ae%c0%ae',
    '%',
    '%zz',
    '%00',
    '%ff',
    '\\..\\',
    '',
    'flights',
    'events',
    'close',
    'open',
    'health',
    'metrics',
    'index.html',
    'demo.css',
    'flight-board.js',
    'package.json',
    'server',
    'app.ts',
    '.git',
    'etc',
    'passwd',
  ),
  fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=:@-]{1,20}$/),
);
const path = fc
  .tuple(fc.array(segment, { minLength: 1, maxLength: 6 }), fc.option(fc.stringMatching(/^[!-~]{0,40}$/)))
  .map(([segments, query]) => `/${segments.join('/')}${query === null ? '' : `?${query.replace('#', '')}`}`);
const method = fc.constantFrom(
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'PROPFIND',
);

// ---- behaviour -------------------------------------------------------------------------

describe('paths, query strings and methods', () => {
  let server: TestServer;
  let board: unknown;
  before(async () => {
    server = await startTestServer({ token: TEST_TOKEN, corsOrigins: [ALLOWED_ORIGIN], heartbeatMs: 60_000 });
    await server.store.add({ flight: 'I768', origin: 'Rome', arrival: '10:10', state: 'scheduled' });
    board = (await api(server, 'GET', '/flights')).body;
  });
  after(() => server.close());

  test(`fuzz: any path, query and method, with and without the token → clean answers, no private file, board unchanged (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(method, path, fc.boolean(), async (verb, target, withToken) => {
        const headers: [string, string][] = withToken ? [['Authorization', `Bearer ${TEST_TOKEN}`]] : [];
        const answer = await rawRequest(server.port, rawGet(target, headers, verb));
        const context = `${verb} ${target}${withToken ? ' (with the token)' : ''}`;
        assertClean(answer, context, { head: verb === 'HEAD' });
        for (const marker of PRIVATE_MARKERS) {
          assert.ok(!answer.body.includes(marker), `${context} served a private file (${marker})`);
        }
      }),
      { numRuns: RUNS, seed: 8 },
    );
    assert.deepEqual((await api(server, 'GET', '/flights')).body, board, 'the board is unchanged');
  });

  for (const target of [
    '/../package.json',
    '/%2e%2e/package.json',
    '/..%2fpackage.json',
    '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/..\\package.json',
    '/flight-board.js/../../package.json',
    '/%c0%ae%c0%ae/package.json',
    '/.git/config',
    '/server/app.ts',
    '/demo/../server/app.ts',
  ]) {
    test(`GET ${target} → a clean 4xx (or the demo), never a file outside the public directories`, async () => {
      const answer = await rawRequest(server.port, rawGet(target));
      assertClean(answer, target);
      for (const marker of PRIVATE_MARKERS) assert.ok(!answer.body.includes(marker), `${target}: ${marker}`);
    });
  }

  test('a 20 KB URL → 431 from the parser, and the server carries on', async () => {
    const answer = await rawRequest(server.port, rawGet(`/flights?${'a'.repeat(20_000)}`));
    assert.equal(answer.status, 431);
    assert.equal((await api(server, 'GET', '/health')).status, 200);
  });

  test('a query of 5,000 parameters (within 16 KiB) → 200', async () => {
    const query = Array.from({ length: 5000 }, (_, i) => `a${i}=1`).join('&');
    const answer = await rawRequest(server.port, rawGet(`/flights?${query.slice(0, 15_000)}`));
    assert.equal(answer.status, 200);
  });
});

describe('headers: oversized and duplicated', () => {
  let server: TestServer;
  let board: unknown;
  before(async () => {
    server = await startTestServer({ token: TEST_TOKEN, corsOrigins: [ALLOWED_ORIGIN], heartbeatMs: 60_000 });
    await server.store.add({ flight: 'I768', origin: 'Rome', arrival: '10:10', state: 'scheduled' });
    board = (await api(server, 'GET', '/flights')).body;
  });
  after(async () => {
    assert.deepEqual((await api(server, 'GET', '/flights')).body, board, 'no header case changed the board');
    await server.close();
  });

  const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`];
  const json: [string, string] = ['Content-Type', 'application/json'];
  /** [what, request bytes, expected status (or statuses)] */
  const cases: [string, Buffer, number | number[]][] = [
    ['one header of 20 KB', rawGet('/flights', [['X-Big', 'x'.repeat(20_000)]]), 431],
    [
      '200 headers of 100 bytes (20 KB)',
      rawGet(
        '/flights',
        Array.from({ length: 200 }, (_, i) => [`X-H${i}`, 'x'.repeat(100)]),
      ),
      431,
    ],
    [
      '3,000 tiny headers',
      rawGet(
        '/flights',
        Array.from({ length: 3000 }, (_, i) => [`X${i}`, '1']),
      ),
      431,
    ],
    [
      '1,500 tiny headers (under 16 KiB)',
      rawGet(
        '/flights',
        Array.from({ length: 1500 }, (_, i) => [`X${i}`, '1']),
      ),
      200,
    ],
    ['a header name with a space', rawGet('/flights', [['X Bad', '1']]), 400],
    [
      'a header line without a colon',
      Buffer.from('GET /flights HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n'),
      400,
    ],
    [
      'obsolete line folding',
      Buffer.from('GET /flights HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\nConnection: close\r\n\r\n'),
      [200, 400],
    ],
    ['two Hosts', rawGet('/flights', [['Host', 'evil.example']]), [200, 400]],
    ['no Host (HTTP/1.1)', Buffer.from('GET /flights HTTP/1.1\r\nConnection: close\r\n\r\n'), [200, 400]],
    ['HTTP/1.0 without Host', Buffer.from('GET /flights HTTP/1.0\r\n\r\n'), 200],
    ['an unknown HTTP version', Buffer.from('GET /flights HTTP/9.9\r\nHost: x\r\n\r\n'), [400, 505]],
    [
      'garbage instead of a request line',
      Buffer.from('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n', 'latin1'),
      400,
    ],
    [
      'two different Content-Lengths on a write',
      rawGet(
        '/flights',
        [bearer(TEST_TOKEN), json, ['Content-Length', '2'], ['Content-Length', '3']],
        'POST',
      ),
      400,
    ],
    [
      'Content-Length and Transfer-Encoding (request smuggling)',
      Buffer.from(
        `POST /flights HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_TOKEN}\r\nContent-Type: application/json\r\n` +
          'Content-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\nDELETE /flights/I768 HTTP/1.1\r\nHost: x\r\n\r\n',
      ),
      400,
    ],
    [
      'a wrong token first, the right one second (the first wins)',
      rawGet('/close', [bearer('wrong'), bearer(TEST_TOKEN)], 'POST'),
      403,
    ],
    [
      'two Content-Types on a write (the first wins: text/plain)',
      rawGet(
        '/flights',
        [bearer(TEST_TOKEN), ['Content-Type', 'text/plain'], json, ['Content-Length', '2']],
        'POST',
      ),
      [400, 415],
    ],
  ];
  for (const [what, request, expected] of cases) {
    const statuses = Array.isArray(expected) ? expected : [expected];
    test(`${what} → ${statuses.join(' or ')}`, async () => {
      const answer = await rawRequest(server.port, request);
      assertClean(answer, what);
      assert.ok(statuses.includes(answer.status), `${what}: got ${answer.status} ${answer.body}`);
    });
  }

  test('two Origins, one allowed, join as one value that is not allowed → no CORS header', async () => {
    const request = rawGet('/flights', [
      ['Origin', ALLOWED_ORIGIN],
      ['Origin', 'https://evil.example'],
    ]);
    const answer = await rawRequest(server.port, request);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['access-control-allow-origin'], undefined);
  });

  test('two Last-Event-IDs join as a malformed one → a snapshot', async () => {
    const answer = await rawRequest(
      server.port,
      rawGet('/events', [
        ['Last-Event-ID', '0'],
        ['Last-Event-ID', '0'],
      ]),
    );
    assert.equal(answer.firstEvent?.event, FlightEvent.snapshot);
  });

  test(`fuzz: random header names and values → clean answers (${RUNS} runs)`, async () => {
    const name = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,30}$/);
    const value = fc.stringMatching(/^[\t -~\x80-\xff]{0,200}$/);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(name, value), { maxLength: 8 }),
        fc.constantFrom('/flights', '/events', '/', '/health', '/close', '/flights/I768'),
        fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'),
        async (headers, target, verb) => {
          // Never the real token: with random headers a write would be a legitimate change.
          const safe = headers.filter(([n]) => n.toLowerCase() !== 'authorization');
          const answer = await rawRequest(server.port, rawGet(target, safe, verb));
          const context = `${verb} ${target} ${JSON.stringify(safe).slice(0, 200)}`;
          assertClean(answer, context);
          if (answer.status === 404 || answer.status === 401) assertErrorJson(answer, context);
        },
      ),
      { numRuns: RUNS, seed: 8 },
    );
  });
});
