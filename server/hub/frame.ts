/**
 * One serialised piece of a stream (an event, a comment, `retry:`, a joined replay): the hub
 * builds it once and hands the same frame to every stream; each transport takes the encoding
 * its protocol writes, built on first use and then shared by every stream of that protocol.
 */
export class Frame {
  #bytes: Buffer | undefined;
  #chunk: Buffer | undefined;

  constructor(
    /** The text of the frame, exactly as it goes on the wire inside the body. */
    readonly text: string,
  ) {}

  /** The frame as UTF-8 bytes (what an HTTP/2 DATA frame carries). */
  get bytes(): Buffer {
    this.#bytes ??= Buffer.from(this.text);
    return this.#bytes;
  }

  /** The frame as one complete HTTP/1.1 chunk: `<size in hex>\r\n<text>\r\n`. */
  get chunk(): Buffer {
    if (this.#chunk === undefined) {
      const body = this.#bytes ?? Buffer.from(this.text);
      this.#chunk = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, CRLF]);
    }
    return this.#chunk;
  }

  /** True for a frame with nothing in it (a replay of no events): transports must not write it. */
  get isEmpty(): boolean {
    return this.text === '';
  }
}

const CRLF = Buffer.from('\r\n');
