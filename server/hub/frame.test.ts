import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Frame } from './frame.ts';

describe('Frame', () => {
  test('its HTTP/1.1 chunk is the byte length in hex, CRLF, the UTF-8 bytes, CRLF', () => {
    const frame = new Frame('data: Zürich\n\n'); // ü is two bytes
    assert.equal(frame.bytes.length, 15);
    assert.equal(frame.chunk.toString(), 'f\r\ndata: Zürich\n\n\r\n');
  });

  test('builds each encoding once, then hands out the same Buffer', () => {
    const frame = new Frame('id: 1\n\n');
    assert.equal(frame.bytes, frame.bytes);
    assert.equal(frame.chunk, frame.chunk);
  });

  test('an empty frame says so (a replay of no events is not written)', () => {
    assert.equal(new Frame('').isEmpty, true);
    assert.equal(new Frame(': keep-alive\n\n').isEmpty, false);
  });
});
