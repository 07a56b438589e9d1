import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Frame } from './frame.ts';

describe('Frame', () => {
  test('its HTTP/1.1 chunk is the byte length in hex, CRLF, the UTF-8 bytes, CRLF', () => {
    const frame = new Frame('data: Zürich\n\n'); // ü is two bytes
    assert.equal(frame.bytes.length, 15);
    assert.equal(frame.chunk.toString(), 'f\r\ndata: Zürich\n\n\r\n');
  });

  test('hands out the same Buffers every time: its bytes are a view into its chunk, not a copy', () => {
    const frame = new Frame('id: 1\n\n');
    assert.equal(frame.bytes, frame.bytes);
    assert.equal(frame.chunk, frame.chunk);
    assert.equal(frame.bytes.buffer, frame.chunk.buffer);
    assert.equal(frame.bytes.toString(), 'id: 1\n\n');
  });
});
