import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { describe, test } from 'node:test';
import { Frame } from '../hub/frame.ts';
import { RUN_BUFFER_BYTES, RunBuffers } from './run-buffers.ts';
import { ChunkedSocketTransport } from './transports.ts';

/** A socket that keeps what it was given and calls back only when told (the kernel took it). */
function heldSocket() {
  const writes: { bytes: Buffer; copy: string; done: () => void }[] = [];
  const socket = {
    write(bytes: Buffer, done: () => void) {
      writes.push({ bytes, copy: bytes.toString(), done });
      return true;
    },
  };
  return { socket: socket as unknown as Socket, writes };
}

const events = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => new Frame(`id: ${from + i}\ndata: x\n\n`));
const chunks = (frames: Frame[]) => frames.map((frame) => frame.chunk.toString()).join('');

describe('ChunkedSocketTransport.writeRun', () => {
  test("writes a run as one Buffer of its frames' chunks, in order, and calls back once it has left", () => {
    const { socket, writes } = heldSocket();
    const transport = new ChunkedSocketTransport({} as ServerResponse, socket, new RunBuffers());
    const run = events(1, 3);
    let flushed = 0;
    transport.writeRun(run, () => flushed++);
    assert.equal(writes.length, 1, 'one call into the socket');
    assert.equal(writes[0]?.copy, chunks(run));
    assert.equal(flushed, 0);
    writes[0]?.done();
    assert.equal(flushed, 1);
  });

  test('reuses a pooled Buffer only once its write has called back', () => {
    const { socket, writes } = heldSocket();
    const pool = new RunBuffers();
    const transport = new ChunkedSocketTransport({} as ServerResponse, socket, pool);
    const [first, second, third] = [events(1, 3), events(4, 3), events(7, 3)];
    transport.writeRun(first, () => undefined);
    transport.writeRun(second, () => undefined); // another stream's run, in flight at once
    assert.notEqual(writes[0]?.bytes.buffer, writes[1]?.bytes.buffer, 'two runs in flight, two Buffers');
    writes[0]?.done();
    assert.equal(pool.freeCount, 1);
    transport.writeRun(third, () => undefined);
    assert.equal(writes[2]?.bytes.buffer, writes[0]?.bytes.buffer, 'the first Buffer, reused');
    assert.equal(writes[1]?.bytes.toString(), chunks(second), 'the run still in flight is untouched');
    assert.equal(writes[2]?.bytes.toString(), chunks(third));
  });

  test("a run of one frame is that frame's own chunk, and a run too large for the pool gets its own Buffer", () => {
    const { socket, writes } = heldSocket();
    const pool = new RunBuffers();
    const transport = new ChunkedSocketTransport({} as ServerResponse, socket, pool);
    const [snapshot] = events(1, 1);
    transport.writeRun([snapshot as Frame], () => undefined);
    assert.equal(writes[0]?.bytes, snapshot?.chunk);
    const big = [new Frame('x'.repeat(RUN_BUFFER_BYTES)), new Frame('y')];
    transport.writeRun(big, () => undefined);
    assert.equal(writes[1]?.copy, chunks(big));
    writes[1]?.done();
    assert.equal(pool.freeCount, 0, 'not kept: the pool holds buffers of one size');
  });
});
