/**
 * One serialised piece of a stream (an event, a comment, `retry:`): the hub builds it once and
 * hands the same frame to every stream. Its bytes are encoded once, as a complete HTTP/1.1 chunk
 * whose body is also what an HTTP/2 DATA frame carries, so every stream of either protocol
 * writes the same Buffer, and a catch-up writes the frames its events already have.
 */
export class Frame {
  /** The frame as one complete HTTP/1.1 chunk: `<size in hex>\r\n<bytes>\r\n`. */
  readonly chunk: Buffer;
  /** The frame's bytes, exactly as they go on the wire inside the body: a view into `chunk`. */
  readonly bytes: Buffer;

  constructor(
    /** The text of the frame. */
    readonly text: string,
  ) {
    const size = Buffer.byteLength(text);
    const head = `${size.toString(16)}\r\n`;
    const chunk = Buffer.allocUnsafe(head.length + size + 2);
    const at = chunk.write(head, 'latin1');
    chunk.write(text, at);
    chunk.write('\r\n', at + size, 'latin1');
    this.chunk = chunk;
    this.bytes = chunk.subarray(at, at + size);
  }
}
