import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { readStream, SseReader } from './reader.ts';

// The strict reader, table-driven by input, then cross-checked against eventsource-parser on
// random streams split at random places.

function events(reader: SseReader) {
  return reader.events.map((e) => ({ type: e.type, data: e.data, id: e.lastEventId }));
}

/** Feeds `text` one byte per push, the harshest chunking there is. */
function byteByByte(text: string | Buffer): SseReader {
  const reader = new SseReader();
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  for (let i = 0; i < bytes.length; i++) reader.push(bytes.subarray(i, i + 1), i);
  reader.end(bytes.length);
  return reader;
}

const CASES: [string, string, { type: string; data: string; id: string }[]][] = [
  ['LF', 'id: 1\ndata: a\n\n', [{ type: 'message', data: 'a', id: '1' }]],
  ['CRLF', 'id: 1\r\ndata: a\r\n\r\n', [{ type: 'message', data: 'a', id: '1' }]],
  ['CR only', 'id: 1\rdata: a\r\r', [{ type: 'message', data: 'a', id: '1' }]],
  ['mixed line ends', 'id: 1\rdata: a\r\ndata: b\n\r\n', [{ type: 'message', data: 'a\nb', id: '1' }]],
  ['leading BOM', '\ufeffdata: a\n\n', [{ type: 'message', data: 'a', id: '' }]],
  ['data: without space', 'data:a\nevent:x\n\n', [{ type: 'x', data: 'a', id: '' }]],
  ['two spaces keep one', 'data:  a\n\n', [{ type: 'message', data: ' a', id: '' }]],
  ['comments', ': hi\ndata: a\n: there\n\n', [{ type: 'message', data: 'a', id: '' }]],
  ['multi-line data', 'data: a\ndata:\ndata: b\n\n', [{ type: 'message', data: 'a\n\nb', id: '' }]],
  [
    'id inherited',
    'id: 7\ndata: a\n\ndata: b\n\n',
    [
      { type: 'message', data: 'a', id: '7' },
      { type: 'message', data: 'b', id: '7' },
    ],
  ],
  [
    'NULL id ignored',
    'id: 1\ndata: a\n\nid: 2\0\ndata: b\n\n',
    [
      { type: 'message', data: 'a', id: '1' },
      { type: 'message', data: 'b', id: '1' },
    ],
  ],
  [
    'event without data is not dispatched',
    'event: x\n\ndata: a\n\n',
    [{ type: 'message', data: 'a', id: '' }],
  ],
  ['unterminated tail is discarded', 'data: a\n\ndata: b\n', [{ type: 'message', data: 'a', id: '' }]],
];

describe('SseReader', () => {
  for (const [name, input, expected] of CASES) {
    test(`${name} => ${expected.length} event(s), whole and byte by byte`, () => {
      assert.deepEqual(events(readStream([input])), expected);
      const split = byteByByte(input);
      assert.deepEqual(events(split), expected);
      assert.deepEqual(
        split.reference.map((e) => e.data),
        expected.map((e) => e.data),
        'eventsource-parser agrees',
      );
    });
  }

  test('records line ends, BOM, retry and the pending tail', () => {
    const reader = byteByByte('\ufeffretry: 1000\r\n\r\nretry: 2s\rdata: a\n\ndata: b');
    assert.equal(reader.bom, true);
    assert.deepEqual(reader.lineEnds, { lf: 2, cr: 1, crlf: 2 });
    assert.deepEqual(reader.retries, [
      { raw: '1000', applied: true },
      { raw: '2s', applied: false },
    ]);
    assert.equal(reader.tail.partial, 'data: b');
  });

  test('flags invalid UTF-8 and a BOM after the start', () => {
    const reader = byteByByte(
      Buffer.concat([Buffer.from('data: a'), Buffer.from([0xff]), Buffer.from('\n\ndata: \ufeffb\n\n')]),
    );
    assert.equal(reader.invalidUtf8.length, 1);
    assert.equal(reader.strayBoms.length, 1);
    assert.equal(reader.events[0]?.data, 'a\ufffd');
    assert.deepEqual(
      reader.reference.map((e) => e.data),
      ['a\ufffd', '\ufeffb'],
    );
  });
});

describe('SseReader against eventsource-parser', () => {
  const name = fc.constantFrom('data', 'event', 'id', 'retry', 'Data', 'x');
  const value = fc.string({ unit: fc.constantFrom('a', ' ', ':', 'é', '😀', '\0', '1'), maxLength: 6 });
  const end = fc.constantFrom('\n', '\r', '\r\n');
  const line = fc.oneof(
    fc.tuple(name, value, end).map(([n, v, e]) => `${n}:${v}${e}`),
    fc.tuple(name, end).map(([n, e]) => `${n}${e}`),
    fc.tuple(value, end).map(([v, e]) => `:${v}${e}`),
    end,
  );
  const stream = fc
    .tuple(fc.boolean(), fc.array(line, { maxLength: 30 }))
    .map(([bom, lines]) => (bom ? '\ufeff' : '') + lines.join(''));

  test('reads the same events, ids and retries however the bytes are split', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
        const bytes = Buffer.from(text);
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const reader = new SseReader();
        let from = 0;
        for (const point of [...points, bytes.length]) {
          reader.push(bytes.subarray(from, point), 0);
          from = point;
        }
        reader.end(0);
        const ours = reader.events.map((e) => ({
          type: e.type,
          data: e.data,
          id: e.idField !== undefined && !e.idField.includes('\0') ? e.idField : undefined,
        }));
        // eventsource-parser reports only an id set in the event's own block; so do we here.
        assert.deepEqual(ours, reader.reference);
        assert.deepEqual(
          reader.retries.filter((r) => r.applied).map((r) => Number(r.raw)),
          reader.referenceRetries,
        );
      }),
      { numRuns: 300 },
    );
  });
});
