import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { FlightEvent } from '../../protocol/protocol.ts';
import { MemoryStore } from '../../server/store/memory-store.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { assertClean, type RawAnswer, rawGet, rawRequest } from './raw-http.ts';

// Any bytes as a Last-Event-ID, by header or query: the answer is a stream that resumes when
// the id is one the server issued and starts from a snapshot otherwise; never an error
// (except Node's parser refusing raw control bytes in a header with 400, which DESIGN.md accepts).

// ---- helpers ---------------------------------------------------------------------------

const EVENTS = 20;
/** The epoch of the server under test: its ids are `<EPOCH>-<n>`. */
const EPOCH = 1_700_000_000_000;
/** The id of event `n` of the server under test. */
const id = (n: number) => `${EPOCH}-${n}`;
/** An id this server issued: its epoch, then a counter without a leading zero. */
const ISSUED_ID = new RegExp(`^${EPOCH}-(0|[1-9][0-9]{0,15})$`);
/** True when `value` has a control byte llhttp refuses in a header value (HTAB is allowed). */
function hasHeaderControl(value: string): boolean {
  return [...value].some((c) => {
    const code = c.charCodeAt(0);
    return (code < 0x20 && code !== 0x09) || code === 0x7f;
  });
}
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

/** What `GET /events` must start with for a Last-Event-ID the server reads as `id`. */
function assertStart(answer: RawAnswer, lastEventId: string | undefined, context: string): void {
  assert.equal(answer.status, 200, `${context}: ${answer.body}`);
  const n = Number(ISSUED_ID.exec(lastEventId ?? '')?.[1] ?? Number.NaN);
  if (n <= EVENTS) {
    if (n === EVENTS) {
      assert.equal(answer.firstEvent, undefined, `${context}: at the head, nothing to replay`);
      return;
    }
    assert.notEqual(answer.firstEvent?.event, FlightEvent.snapshot, `${context}: a replay`);
    assert.equal(answer.firstEvent?.id, id(n + 1), `${context}: the event after ${lastEventId}`);
    return;
  }
  assert.equal(answer.firstEvent?.event, FlightEvent.snapshot, `${context}: a snapshot`);
  assert.equal(answer.firstEvent?.id, id(EVENTS), `${context}: carrying the head id`);
}

function label(bytes: Uint8Array | string): string {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1');
  const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
  return `${shown} (${text.length} bytes)`;
}

function percentEncoded(bytes: Uint8Array): string {
  return [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

/** Bytes biased towards the interesting: digits, separators, controls, high bytes. */
const idBytes = fc.oneof(
  fc.uint8Array({ maxLength: 60 }),
  fc.stringMatching(/^[0-9]{1,30}$/).map((s) => new Uint8Array(Buffer.from(s, 'latin1'))),
  // This server's epoch, then anything: the ids it issued, past its head, or malformed after the dash.
  fc
    .stringMatching(/^[0-9]{0,3}[-+ .e]?$/)
    .map((s) => new Uint8Array(Buffer.from(`${EPOCH}-${s}`, 'latin1'))),
  fc
    .array(fc.constantFrom(...'0123456789-+.e, \t\x00\x7f\xff', '\u00e9', '1e999', '0x1F'), { maxLength: 12 })
    .map((parts) => new Uint8Array(Buffer.from(parts.join(''), 'latin1'))),
);

// ---- behaviour -------------------------------------------------------------------------

describe('Last-Event-ID and ?lastEventId= with any bytes', () => {
  let server: TestServer;
  before(async () => {
    const store = new MemoryStore(1000, { epoch: EPOCH });
    server = await startTestServer({ historySize: 1000, heartbeatMs: 60_000 }, store);
    await server.store.add({ flight: 'F1', origin: 'x', arrival: '10:00', state: '' });
    for (let i = 2; i <= EVENTS; i++) await server.store.update({ flight: 'F1', state: `s${i}` });
  });
  after(() => server.close());

  test(`fuzz: any bytes (no CR/LF) in the Last-Event-ID header → a replay, a snapshot, or the parser's 400 (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(idBytes, async (bytes) => {
        const value = Buffer.from(bytes.filter((b) => b !== 0x0d && b !== 0x0a)).toString('latin1');
        const answer = await rawRequest(server.port, rawGet('/events', [['Last-Event-ID', value]]));
        const context = `Last-Event-ID: ${label(value)}`;
        assertClean(answer, context);
        if (answer.status === 400) {
          assert.ok(hasHeaderControl(value), `${context}: only raw control bytes may be refused`);
          return;
        }
        // HTTP drops the whitespace around a header value; an empty one counts as absent.
        assertStart(answer, value.replace(/^[ \t]+|[ \t]+$/g, ''), context);
      }),
      { numRuns: RUNS, seed: 8 },
    );
  });

  test(`fuzz: any bytes, percent-encoded, in ?lastEventId= → a replay or a snapshot, never an error (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(idBytes, async (bytes) => {
        const answer = await rawRequest(server.port, rawGet(`/events?lastEventId=${percentEncoded(bytes)}`));
        const context = `?lastEventId= ${label(bytes)}`;
        assertClean(answer, context);
        assertStart(answer, Buffer.from(bytes).toString('latin1'), context);
      }),
      { numRuns: RUNS, seed: 8 },
    );
  });

  test(`fuzz: raw (unencoded) printable and high bytes in the query → a stream or the parser's 400 (${RUNS} runs)`, async () => {
    const queryByte = fc.integer({ min: 0x21, max: 0xff }).filter((b) => b !== 0x23 && b !== 0x7f);
    await fc.assert(
      fc.asyncProperty(fc.array(queryByte, { maxLength: 60 }), async (bytes) => {
        const query = Buffer.from(bytes).toString('latin1');
        const answer = await rawRequest(server.port, rawGet(`/events?lastEventId=${query}`));
        assertClean(answer, `?lastEventId=${label(query)}`);
        if (answer.status === 200) assert.ok(answer.firstEvent, 'the stream starts');
      }),
      { numRuns: RUNS, seed: 8 },
    );
  });

  const handPicked: [string, readonly [string, string][], string, string | undefined][] = [
    ['an id of 15,000 digits', [['Last-Event-ID', '9'.repeat(15_000)]], '/events', 'snapshot'],
    ['a query id of 15,000 digits', [], `/events?lastEventId=${'1'.repeat(15_000)}`, 'snapshot'],
    ['"-1"', [['Last-Event-ID', '-1']], '/events', 'snapshot'],
    ['"<epoch>--1"', [['Last-Event-ID', id(-1)]], '/events', 'snapshot'],
    ['"1e999"', [['Last-Event-ID', '1e999']], '/events', 'snapshot'],
    ['"<epoch>-0x5"', [['Last-Event-ID', `${EPOCH}-0x5`]], '/events', 'snapshot'],
    ['"<epoch>-05" (a leading zero)', [['Last-Event-ID', `${EPOCH}-05`]], '/events', 'snapshot'],
    ['a bare counter ("5", the ids of old versions)', [['Last-Event-ID', '5']], '/events', 'snapshot'],
    [
      'an id of another epoch (a restart, another instance)',
      [['Last-Event-ID', `${EPOCH - 1}-5`]],
      '/events',
      'snapshot',
    ],
    ['an id of a later epoch', [['Last-Event-ID', `${EPOCH + 1}-5`]], '/events', 'snapshot'],
    ['a counter past the head ("<epoch>-999")', [['Last-Event-ID', id(999)]], '/events', 'snapshot'],
    ['MAX_SAFE_INTEGER + 2', [['Last-Event-ID', `${EPOCH}-9007199254740993`]], '/events', 'snapshot'],
    ['NUL in the header', [['Last-Event-ID', `${id(5)}\x00`]], '/events', undefined],
    ['DEL in the header', [['Last-Event-ID', `${id(5)}\x7f`]], '/events', undefined],
    ['a bare CR in the header', [['Last-Event-ID', `${id(5)}\rX: y`]], '/events', undefined],
    ['%00 in the query', [], `/events?lastEventId=${id(5)}%00`, 'snapshot'],
    ['%0A in the query', [], `/events?lastEventId=${id(5)}%0Aevent:%20forged`, 'snapshot'],
    ['a lone % in the query', [], '/events?lastEventId=%', 'snapshot'],
    ['an array in the query (lastEventId[]=…)', [], `/events?lastEventId[]=${id(5)}`, 'snapshot'],
    ['an object in the query (lastEventId[a]=…)', [], `/events?lastEventId[a]=${id(5)}`, 'snapshot'],
    [
      'a repeated header (5 and 6 join as "5, 6")',
      [
        ['Last-Event-ID', id(5)],
        ['Last-Event-ID', id(6)],
      ],
      '/events',
      'snapshot',
    ],
    [
      'the header and a query (the header wins)',
      [['Last-Event-ID', id(5)]],
      `/events?lastEventId=${id(7)}`,
      `stateUpdate ${id(6)}`,
    ],
    [
      'an empty header (absent) and a query',
      [['Last-Event-ID', '']],
      `/events?lastEventId=${id(7)}`,
      `stateUpdate ${id(8)}`,
    ],
  ];
  for (const [what, headers, path, expected] of handPicked) {
    test(`${what} → ${expected ?? "200 or the parser's 400"}`, async () => {
      const answer = await rawRequest(server.port, rawGet(path, headers));
      assertClean(answer, what);
      if (expected === undefined) {
        if (answer.status === 200) assert.equal(answer.firstEvent?.event, FlightEvent.snapshot);
        return;
      }
      assert.equal(answer.status, 200);
      if (expected === 'snapshot') {
        assert.equal(answer.firstEvent?.event, FlightEvent.snapshot);
        assert.equal(answer.firstEvent?.id, id(EVENTS));
      } else {
        assert.equal(
          `${answer.firstEvent?.event.replace('flightS', 's')} ${answer.firstEvent?.id}`,
          expected,
        );
      }
    });
  }

  test('an id of 20,000 digits overflows the 16 KiB header limit → 431, and the server carries on', async () => {
    const answer = await rawRequest(server.port, rawGet('/events', [['Last-Event-ID', '1'.repeat(20_000)]]));
    assert.equal(answer.status, 431);
    const next = await rawRequest(server.port, rawGet('/events'));
    assert.equal(next.firstEvent?.event, FlightEvent.snapshot);
  });
});
