import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SseReader } from './reader.ts';

// The byte streams of the web-platform-tests `eventsource/format-*` tests and the events a
// browser dispatches for them (type, data, lastEventId at dispatch). The reader must read each
// as a browser does however the bytes arrive: whole, one byte at a time, and cut at every line
// end (the places a server's writes usually end).

interface Expected {
  type: string;
  data: string;
  lastEventId: string;
}
const message = (data: string, lastEventId = ''): Expected => ({ type: 'message', data, lastEventId });

const WPT: { name: string; bytes: string; events: Expected[]; after?: (r: SseReader) => void }[] = [
  {
    name: 'format-bom: only the first BOM is skipped; a later one starts a field "\\ufeffdata"',
    bytes: '\ufeffdata:1\n\n\ufeffdata:2\n\ndata:3\n\n',
    events: [message('1'), message('3')],
    after: (r) => {
      assert.equal(r.bom, true);
      assert.equal(r.strayBoms.length, 1, 'the second BOM is recorded as stray');
      assert.equal(r.strayBoms[0]?.name, '\ufeffdata');
    },
  },
  {
    name: 'format-bom-2: a second BOM right after the first is a field name character',
    bytes: '\ufeff\ufeffdata:1\n\ndata:2\n\ndata:3\n\n',
    events: [message('2'), message('3')],
    after: (r) => assert.equal(r.strayBoms.length, 1),
  },
  {
    name: 'format-comments: comments of any length, anywhere, dispatch nothing',
    bytes: `data:1\r:\0\n:\r\ndata:2\n:${'x'.repeat(2049)}\rdata:3\n:data:fail\r:${'x'.repeat(2049)}\ndata:4\n\n`,
    events: [message('1\n2\n3\n4')],
  },
  {
    name: 'format-field-data: empty data, a bare data field and data without a space',
    bytes: 'data:\n\ndata\ndata\n\ndata:test\n\n',
    events: [message(''), message('\n'), message('test')],
  },
  {
    name: 'format-field-event: the event field names the type until the block ends',
    bytes: 'event:test\ndata:x\n\ndata:x\n\n',
    events: [{ type: 'test', data: 'x', lastEventId: '' }, message('x')],
  },
  {
    name: 'format-field-event-empty: an empty event name is "message"',
    bytes: 'event: \ndata:data\n\n',
    events: [message('data')],
  },
  {
    name: 'format-field-id: the id of the block is the last event ID',
    bytes: 'id: 1\ndata: x\n\n',
    events: [message('x', '1')],
  },
  {
    name: 'format-field-id-2: a bare id resets the last event ID to empty',
    bytes: 'id:1\ndata:1\n\nid:2\ndata:2\n\nid\ndata:3\n\n',
    events: [message('1', '1'), message('2', '2'), message('3', '')],
  },
  {
    name: 'format-field-id-null: an id containing NULL is ignored',
    bytes: 'id:1\ndata:a\n\nid:a\0b\ndata:b\n\n',
    events: [message('a', '1'), message('b', '1')],
  },
  {
    name: 'format-field-parsing: NUL, case, spaces and CR inside field parsing',
    bytes:
      'data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n',
    events: [message('\0\n 2\n1\n3\n\n4')],
  },
  {
    name: 'format-field-retry-bogus: only ASCII digits set the reconnection time',
    bytes: 'retry:3000\nretry:1000x\ndata:x\n\n',
    events: [message('x')],
    after: (r) =>
      assert.deepEqual(
        r.retries.map((x) => [x.raw, x.applied]),
        [
          ['3000', true],
          ['1000x', false],
        ],
      ),
  },
  {
    name: 'format-field-retry-empty: an empty retry is ignored',
    bytes: 'retry\ndata:test\n\n',
    events: [message('test')],
    after: (r) => assert.equal(r.retries.filter((x) => x.applied).length, 0),
  },
  {
    name: 'format-field-unknown: unknown fields, bare text and a leading-space name are ignored',
    bytes: 'data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n',
    events: [message('test\n\ntest')],
  },
  {
    name: 'format-leading-space: one space after the colon is removed, a tab is kept',
    bytes: 'data:\ttest\rdata: \ndata:test\n\n',
    events: [message('\ttest\n\ntest')],
  },
  {
    name: 'format-newlines: CRLF, LF and a lone CR end lines alike',
    bytes: 'data:test\r\ndata\ndata:test\r\n\r',
    events: [message('test\n\ntest')],
  },
  {
    name: 'format-null-character: a NUL in data is kept',
    bytes: 'data:\0\n\n\n\n',
    events: [message('\0')],
  },
  {
    name: 'format-utf-8: non-ASCII data arrives intact',
    bytes: 'data:ok\u2026\u{1f600}\n\n',
    events: [message('ok\u2026\u{1f600}')],
  },
  {
    name: 'format-data-before-final-empty-line: an unterminated block is discarded, its id too',
    bytes: 'retry:1000\ndata:test1\n\nid:test\ndata:test2',
    events: [message('test1')],
    after: (r) => assert.equal(r.lastEventId, '', 'the id of a block never dispatched is not kept'),
  },
  {
    name: 'the last event ID changes at dispatch, even for a block without data',
    bytes: 'id:5\n\ndata:x\n\n',
    events: [message('x', '5')],
  },
];

/** The three ways the bytes arrive: whole, one byte a push, and cut after every CR/LF. */
function chunkings(bytes: Buffer): [string, Buffer[]][] {
  const cuts: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a || bytes[i] === 0x0d) {
      cuts.push(bytes.subarray(from, i + 1));
      from = i + 1;
    }
  }
  if (from < bytes.length) cuts.push(bytes.subarray(from));
  return [
    ['whole', [bytes]],
    ['byte by byte', [...bytes].map((b) => Buffer.from([b]))],
    ['split at every line end', cuts],
  ];
}

describe('SseReader reads the WPT eventsource/format-* streams as a browser does', () => {
  for (const { name, bytes, events, after } of WPT) {
    for (const [how, chunks] of chunkings(Buffer.from(bytes))) {
      test(`${name} (${how})`, () => {
        const reader = new SseReader();
        for (const chunk of chunks) reader.push(chunk, 0);
        reader.end(0);
        assert.deepEqual(
          reader.events.map((e) => ({ type: e.type, data: e.data, lastEventId: e.lastEventId })),
          events,
        );
        after?.(reader);
      });
    }
  }
});
