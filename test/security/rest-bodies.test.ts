import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { Flight } from '../../protocol/protocol.ts';
import { TEST_TOKEN } from '../support/rest-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { assertErrorJson, assertNoStackTrace } from './raw-http.ts';

// Every write body, however wrong, gets 2xx or a 4xx with the error JSON; a rejected write
// leaves the board and the history exactly as they were; no key pollutes a prototype.

// ---- helpers ---------------------------------------------------------------------------

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const FLIGHT_KEY = /^[A-Z0-9]{1,12}$/;
const CLOCK = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

interface Answer {
  status: number;
  body: string;
  contentType: string;
}

/** A write as raw bytes, with the token, through fetch. */
async function send(
  server: TestServer,
  method: string,
  path: string,
  body: string | Uint8Array | undefined,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_TOKEN}`, ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : new Uint8Array(body) }),
  });
  return { status: res.status, body: await res.text(), contentType: res.headers.get('content-type') ?? '' };
}

/** The board and its head id: what must not move when a write is refused. */
async function boardOf(server: TestServer): Promise<string> {
  return JSON.stringify(await server.store.state());
}

/** Clean: a 2xx, or a 4xx with exactly the error JSON, never a 5xx or a stack trace. */
function assertCleanAnswer(answer: Answer, context: string): void {
  assert.ok(answer.status < 500, `${context}: ${answer.status} ${answer.body}`);
  assertNoStackTrace(answer.body, context);
  if (answer.status >= 400) {
    assertErrorJson({ ...answer, headers: { 'content-type': answer.contentType } }, context);
  }
}

/** The status DESIGN.md gives a `POST /flights` JSON body (the board holds only `I768`). */
function expectedPostStatus(body: unknown): number {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 400;
  const f = body as Record<string, unknown>;
  const ok =
    typeof f.flight === 'string' &&
    FLIGHT_KEY.test(f.flight) &&
    typeof f.origin === 'string' &&
    f.origin !== '' &&
    typeof f.arrival === 'string' &&
    CLOCK.test(f.arrival) &&
    (f.state === undefined || typeof f.state === 'string');
  if (!ok) return 400;
  return f.flight === 'I768' ? 409 : 201;
}

/** The status DESIGN.md gives a `PATCH /flights/I768` JSON body. */
function expectedPatchStatus(body: unknown): number {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 400;
  const f = body as Record<string, unknown>;
  const keys = Object.keys(f);
  if (!keys.some((k) => k !== 'flight')) return 400;
  if ('flight' in f && f.flight !== 'I768') return 400;
  if ('origin' in f && (typeof f.origin !== 'string' || f.origin === '')) return 400;
  if ('arrival' in f && (typeof f.arrival !== 'string' || !CLOCK.test(f.arrival))) return 400;
  if ('state' in f && typeof f.state !== 'string') return 400;
  return 200;
}

/** Any value, or the right type, for one Flight field. */
const fieldValue = (valid: fc.Arbitrary<string>) =>
  fc.oneof(valid, fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 2 }));
const almostFlight = fc.record(
  {
    flight: fieldValue(fc.stringMatching(/^[A-Z0-9]{1,12}$/)),
    origin: fieldValue(fc.constantFrom('Rome', 'Zürich', '東京', '<img src=x onerror=alert(1)>')),
    arrival: fieldValue(fc.stringMatching(/^([01][0-9]|2[0-3]):[0-5][0-9]$/)),
    state: fieldValue(fc.constantFrom('', 'landed', 'on time')),
    extra: fc.jsonValue({ maxDepth: 3 }),
  },
  { requiredKeys: [] },
);
/** Keys that have broken merges before: prototype pollution and shadowing of built-ins. */
const hostileKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '__defineGetter__',
);

/** `{"<key>": <value>, …rest}` as text, so `__proto__` is an own key of the JSON, as an attacker sends it. */
function withKey(key: string, value: unknown, rest: object): string {
  const tail = JSON.stringify(rest).slice(1);
  return `{${JSON.stringify(key)}:${JSON.stringify(value)}${tail === '}' ? '' : ','}${tail}`;
}

const prototypeKeys = () => Object.getOwnPropertyNames(Object.prototype).sort().join();

// ---- behaviour -------------------------------------------------------------------------

describe('REST write bodies', () => {
  let server: TestServer;
  const cleanPrototype = prototypeKeys();
  before(async () => {
    server = await startTestServer({ token: TEST_TOKEN });
  });
  after(() => server.close());
  afterEach(async () => {
    assert.equal(prototypeKeys(), cleanPrototype, 'Object.prototype is untouched');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    // Back to a board of one flight for the next test.
    for (const { flight } of (await server.store.state()).flights) await server.store.remove(flight);
    await server.store.add({ flight: 'I768', origin: 'Rome', arrival: '10:10', state: 'scheduled' });
  });

  test(`fuzz: any JSON value as POST /flights → exactly the status DESIGN.md gives it; refused ones change nothing (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(almostFlight, fc.jsonValue({ maxDepth: 4 })), async (body) => {
        const before = await boardOf(server);
        const text = JSON.stringify(body);
        const answer = await send(server, 'POST', '/flights', text);
        const context = `POST /flights ${text.slice(0, 200)}`;
        assertCleanAnswer(answer, context);
        assert.equal(answer.status, expectedPostStatus(body), `${context}: ${answer.body}`);
        if (answer.status === 201) {
          const added = JSON.parse(answer.body) as Flight;
          assert.deepEqual(added, { state: '', ...(body as object) });
          await server.store.remove(added.flight);
        } else {
          assert.equal(await boardOf(server), before, `${context}: the refused write changed the board`);
        }
      }),
      { numRuns: RUNS, seed: 8 },
    );
  });

  test(`fuzz: any JSON value as PATCH /flights/I768 → the status DESIGN.md gives it; refused ones change nothing (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(almostFlight, fc.jsonValue({ maxDepth: 4 })), async (body) => {
        const before = await boardOf(server);
        const text = JSON.stringify(body);
        const answer = await send(server, 'PATCH', '/flights/I768', text);
        const context = `PATCH /flights/I768 ${text.slice(0, 200)}`;
        assertCleanAnswer(answer, context);
        assert.equal(answer.status, expectedPatchStatus(body), `${context}: ${answer.body}`);
        if (answer.status >= 400)
          assert.equal(await boardOf(server), before, `${context}: the board changed`);
      }),
      { numRuns: RUNS, seed: 8 },
    );
  });

  test(`fuzz: prototype keys (__proto__, constructor, …) with any value in a valid flight pollute nothing (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(hostileKey, fc.jsonValue({ maxDepth: 3 }), fc.boolean(), async (key, value, patch) => {
        const flight = { flight: 'P1', origin: 'x', arrival: '10:00', state: '' };
        const text = patch ? withKey(key, value, { state: 'landed' }) : withKey(key, value, flight);
        const answer = await send(
          server,
          patch ? 'PATCH' : 'POST',
          patch ? '/flights/I768' : '/flights',
          text,
        );
        const context = `${text.slice(0, 200)}`;
        assertCleanAnswer(answer, context);
        assert.equal(prototypeKeys(), cleanPrototype, `${context}: Object.prototype changed`);
        assert.equal(({} as Record<string, unknown>).polluted, undefined, context);
        const { flights } = await server.store.state();
        for (const f of flights) {
          assert.equal(
            Object.getPrototypeOf(f),
            Object.prototype,
            `${context}: a stored flight has another prototype`,
          );
        }
        if (!patch && answer.status === 201) await server.store.remove('P1');
      }),
      { numRuns: RUNS, seed: 8 },
    );
  });

  test(`fuzz: any bytes as a JSON body → 2xx or 4xx, never a 5xx (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (bytes) => {
        const before = await boardOf(server);
        const answer = await send(server, 'POST', '/flights', bytes);
        const context = `POST /flights ${Buffer.from(bytes).toString('hex').slice(0, 120)}`;
        assertCleanAnswer(answer, context);
        if (answer.status >= 400) assert.equal(await boardOf(server), before, context);
      }),
      { numRuns: RUNS, seed: 8 },
    );
  });

  test(`fuzz: any Content-Type → 415 unless it is JSON (${RUNS} runs)`, async () => {
    const type = fc.oneof(
      fc.constantFrom(
        'text/plain',
        'text/html',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        'application/jsonx',
        'json',
        '',
        'application/json; charset=utf-8',
        'application/merge-patch+json',
      ),
      fc.stringMatching(/^[a-z]{1,10}\/[a-z+.-]{1,15}$/),
    );
    await fc.assert(
      fc.asyncProperty(type, async (contentType) => {
        const body = JSON.stringify({ flight: 'CT1', origin: 'x', arrival: '10:00' });
        const answer = await send(server, 'POST', '/flights', body, { 'content-type': contentType });
        assertCleanAnswer(answer, `Content-Type: ${contentType}`);
        const json = /^application\/([a-z.-]+\+)?json(;|$)/.test(contentType);
        assert.equal(answer.status, json ? 201 : 415, `Content-Type: ${JSON.stringify(contentType)}`);
        if (json) await server.store.remove('CT1');
      }),
      { numRuns: RUNS, seed: 8 },
    );
  });

  const valid = { flight: 'H1', origin: 'x', arrival: '10:00' };
  const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
  /** [what, method, path, body, headers, expected status, expected code] */
  const cases: [
    string,
    string,
    string,
    string | Uint8Array | undefined,
    Record<string, string>,
    number,
    string?,
  ][] = [
    ['null', 'POST', '/flights', 'null', {}, 400, 'invalid-body'],
    ['[]', 'POST', '/flights', '[]', {}, 400, 'invalid-body'],
    ['"text"', 'POST', '/flights', '"text"', {}, 400, 'invalid-body'],
    ['42', 'POST', '/flights', '42', {}, 400, 'invalid-body'],
    ['{}', 'POST', '/flights', '{}', {}, 400, 'invalid-flight'],
    ['no origin', 'POST', '/flights', '{"flight":"H1","arrival":"10:00"}', {}, 400, 'invalid-flight'],
    [
      'flight as a number',
      'POST',
      '/flights',
      '{"flight":768,"origin":"x","arrival":"10:00"}',
      {},
      400,
      'invalid-flight',
    ],
    [
      'a lower-case key',
      'POST',
      '/flights',
      '{"flight":"h1","origin":"x","arrival":"10:00"}',
      {},
      400,
      'invalid-flight',
    ],
    [
      'arrival 24:00',
      'POST',
      '/flights',
      '{"flight":"H1","origin":"x","arrival":"24:00"}',
      {},
      400,
      'invalid-flight',
    ],
    [
      'state as an object',
      'POST',
      '/flights',
      JSON.stringify({ ...valid, state: {} }),
      {},
      400,
      'invalid-flight',
    ],
    [
      'an origin of 16,000 characters (fits 16 KiB)',
      'POST',
      '/flights',
      JSON.stringify({ ...valid, origin: 'x'.repeat(16_000) }),
      {},
      201,
    ],
    [
      'an origin of 17,000 characters',
      'POST',
      '/flights',
      JSON.stringify({ ...valid, origin: 'x'.repeat(17_000) }),
      {},
      413,
      'body-too-large',
    ],
    ['5,000 nested arrays', 'POST', '/flights', deep, {}, 400, 'body-too-deep'],
    [
      '5,000 nested arrays in an extra field',
      'POST',
      '/flights',
      `{"flight":"H1","origin":"x","arrival":"10:00","x":${deep}}`,
      {},
      400,
      'body-too-deep',
    ],
    ['truncated JSON', 'POST', '/flights', '{"flight":"H1",', {}, 400, 'invalid-json'],
    ['JSON with a trailing comma', 'POST', '/flights', '{"flight":"H1",}', {}, 400, 'invalid-json'],
    ['two JSON documents', 'POST', '/flights', `${JSON.stringify(valid)}{}`, {}, 400, 'invalid-json'],
    [
      'a lone surrogate escape',
      'POST',
      '/flights',
      '{"flight":"H1","origin":"\\ud800","arrival":"10:00"}',
      {},
      201,
    ],
    [
      'invalid UTF-8 bytes in a string',
      'POST',
      '/flights',
      Buffer.concat([
        Buffer.from('{"flight":"H1","origin":"'),
        Buffer.from([0xff, 0xfe, 0xc0]),
        Buffer.from('","arrival":"10:00"}'),
      ]),
      {},
      201,
    ],
    ['a UTF-8 BOM (skipped)', 'POST', '/flights', `\ufeff${JSON.stringify(valid)}`, {}, 201],
    [
      'no Content-Type',
      'POST',
      '/flights',
      JSON.stringify(valid),
      { 'content-type': '' },
      415,
      'unsupported-media-type',
    ],
    [
      'text/plain',
      'POST',
      '/flights',
      JSON.stringify(valid),
      { 'content-type': 'text/plain' },
      415,
      'unsupported-media-type',
    ],
    [
      'a form',
      'POST',
      '/flights',
      'flight=H1&origin=x&arrival=10:00',
      { 'content-type': 'application/x-www-form-urlencoded' },
      415,
      'unsupported-media-type',
    ],
    [
      'charset=latin1',
      'POST',
      '/flights',
      JSON.stringify(valid),
      { 'content-type': 'application/json; charset=latin1' },
      415,
      'unsupported-charset',
    ],
    [
      'Content-Encoding: gzip of a 10 MB body (a zip bomb)',
      'POST',
      '/flights',
      new Uint8Array(gzipSync(`{"flight":"H1","origin":"${'x'.repeat(10_000_000)}","arrival":"10:00"}`)),
      { 'content-encoding': 'gzip' },
      413,
      'body-too-large',
    ],
    [
      'Content-Encoding: gzip of bytes that are not gzip',
      'POST',
      '/flights',
      JSON.stringify(valid),
      { 'content-encoding': 'gzip' },
      400,
      'unreadable-body',
    ],
    [
      'Content-Encoding: compress',
      'POST',
      '/flights',
      JSON.stringify(valid),
      { 'content-encoding': 'compress' },
      415,
      'unsupported-encoding',
    ],
    ['an empty body', 'POST', '/flights', '', {}, 400, 'missing-body'],
    ['PATCH changing the key', 'PATCH', '/flights/I768', '{"flight":"X1"}', {}, 400, 'invalid-flight'],
    ['PATCH with only the key', 'PATCH', '/flights/I768', '{"flight":"I768"}', {}, 400, 'invalid-flight'],
    [
      'PATCH of a key with a slash',
      'PATCH',
      '/flights/I768%2F..',
      '{"state":"x"}',
      {},
      404,
      'flight-not-found',
    ],
    [
      'DELETE of a 5,000-character key',
      'DELETE',
      `/flights/${'A'.repeat(5000)}`,
      undefined,
      {},
      404,
      'flight-not-found',
    ],
  ];
  for (const [what, method, path, body, extra, status, code] of cases) {
    test(`${method} ${path.length > 30 ? `${path.slice(0, 30)}…` : path} with ${what} → ${status}${code ? ` ${code}` : ''}`, async () => {
      const before = await boardOf(server);
      const answer = await send(server, method, path, body, { 'content-type': 'application/json', ...extra });
      assertCleanAnswer(answer, what);
      assert.equal(answer.status, status, `${what}: ${answer.body.slice(0, 300)}`);
      if (code) assert.equal((JSON.parse(answer.body) as { error: { code: string } }).error.code, code);
      if (status >= 400) assert.equal(await boardOf(server), before, `${what}: the board changed`);
    });
  }

  test('a body that never finishes (Content-Length 100, 10 bytes sent, then the client leaves) changes nothing and the server carries on', async () => {
    const before = await boardOf(server);
    const { connect } = await import('node:net');
    const socket = connect(server.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(
      `POST /flights HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_TOKEN}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"flight":',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await boardOf(server), before);
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
  });
});
