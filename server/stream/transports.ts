import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type Http2ServerRequest,
  type Http2ServerResponse,
  constants as http2,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Socket } from 'node:net';
import type { Frame } from '../hub/frame.ts';
import type { StreamTransport } from '../hub/stream-transport.ts';
import { RunBuffers } from './run-buffers.ts';

/** One pool for every HTTP/1.1 stream of the process. */
const RUN_BUFFERS = new RunBuffers();

/** A request of either protocol, as Node's HTTP/1.1 server or its HTTP/2 compatibility API gives it. */
export type AnyRequest = IncomingMessage | Http2ServerRequest;
/** The response that goes with an AnyRequest. */
export type AnyResponse = ServerResponse | Http2ServerResponse;

/**
 * HTTP/1.1 with chunked encoding: frames go to the socket as ready-made chunks, built once per
 * frame for every stream. Going around `ServerResponse.write` saves most of the server's CPU per
 * delivery (`npm run bench:server` measures it): the cost was the response object, not the write.
 */
export class ChunkedSocketTransport implements StreamTransport {
  constructor(
    readonly response: ServerResponse,
    readonly socket: Socket,
    readonly runBuffers: RunBuffers = RUN_BUFFERS,
  ) {}

  /**
   * Sends the response head as its own piece of the socket's next write, which stays one syscall:
   * the socket is corked until the next tick, so `retry:` and the catch-up join it. Why its own
   * piece: Node keeps the head's text on the response for the life of the stream, built from many
   * concatenated pieces; written alone, V8 flattens it to one smaller string (`npm run bench:heap`).
   */
  start(): void {
    this.socket.cork();
    this.response.flushHeaders();
    process.nextTick(() => this.socket.uncork());
  }

  write(frame: Frame): void {
    this.socket.write(frame.chunk);
  }

  /**
   * The run's chunks joined into one pooled Buffer (back in the pool when the write calls back:
   * after the kernel took it, or the socket is gone and will not read it), one call into the
   * socket. A run of one frame is that frame's own chunk.
   */
  writeRun(frames: readonly Frame[], flushed: () => void): void {
    if (frames.length === 1) {
      this.socket.write((frames[0] as Frame).chunk, () => flushed());
      return;
    }
    let size = 0;
    for (const frame of frames) size += frame.chunk.length;
    const buffer = this.runBuffers.take(size);
    let at = 0;
    for (const frame of frames) at += frame.chunk.copy(buffer, at);
    this.socket.write(buffer.subarray(0, size), () => {
      this.runBuffers.give(buffer);
      flushed();
    });
  }

  end(frame?: Frame): void {
    // Through the response: it writes the last chunk and the terminating `0` chunk.
    this.response.end(frame?.bytes);
  }

  destroy(): void {
    this.response.destroy();
  }

  get unsentBytes(): number {
    return this.socket.writableLength;
  }
}

/**
 * HTTP/2: frames go to the stream as DATA, the same bytes for every stream. The compatibility
 * response is used for the head and the end only.
 */
export class Http2StreamTransport implements StreamTransport {
  readonly stream: ServerHttp2Stream;

  constructor(readonly response: Http2ServerResponse) {
    this.stream = response.stream;
  }

  start(): void {
    // The compatibility response sends its head on the first write; an empty one sends it now.
    if (!this.stream.headersSent) this.response.write('');
  }

  write(frame: Frame): void {
    if (!this.stream.destroyed) this.stream.write(frame.bytes);
  }

  writeRun(frames: readonly Frame[], flushed: () => void): void {
    if (!this.stream.destroyed) writeCorked(this.stream, frames, flushed);
    else flushed();
  }

  end(frame?: Frame): void {
    if (frame) this.response.end(frame.bytes);
    else this.response.end();
  }

  destroy(): void {
    // RST_STREAM: the client sees a network error and reconnects (its other streams carry on).
    this.stream.close(http2.NGHTTP2_CANCEL);
  }

  get unsentBytes(): number {
    return this.stream.writableLength;
  }
}

/** Any other response (HTTP/1.0: no chunks, the body ends when the connection does): plain writes. */
export class ResponseTransport implements StreamTransport {
  constructor(readonly response: ServerResponse) {}

  start(): void {
    this.response.flushHeaders();
  }

  write(frame: Frame): void {
    this.response.write(frame.bytes);
  }

  writeRun(frames: readonly Frame[], flushed: () => void): void {
    writeCorked(this.response, frames, flushed);
  }

  end(frame?: Frame): void {
    this.response.end(frame?.bytes);
  }

  destroy(): void {
    this.response.destroy();
  }

  get unsentBytes(): number {
    return this.response.writableLength;
  }
}

/** What `writeCorked` writes to: an HTTP/2 stream or a response. */
interface CorkableWritable {
  cork(): void;
  uncork(): void;
  write(chunk: Buffer, callback?: (error?: Error | null) => void): boolean;
}

/**
 * Writes each frame's bytes, corked so that they leave together, and calls `flushed` when the
 * last has left. A destroyed stream calls back too (with an error): gone is as good as flushed
 * to a catch-up.
 */
function writeCorked(stream: CorkableWritable, frames: readonly Frame[], flushed: () => void): void {
  stream.cork();
  const last = frames.length - 1;
  for (let i = 0; i < last; i++) stream.write((frames[i] as Frame).bytes);
  stream.write((frames[last] as Frame).bytes, () => flushed());
  stream.uncork();
}

/** True for a request that arrived over HTTP/2 (through `allowHTTP1` servers, either may come). */
export function isHttp2(req: AnyRequest): req is Http2ServerRequest {
  return req.httpVersionMajor === 2;
}

/** The transport for a response whose head is written but not sent (`writeHead` was called). */
export function transportFor(req: AnyRequest, res: AnyResponse): StreamTransport {
  if (isHttp2(req)) return new Http2StreamTransport(res as Http2ServerResponse);
  const response = res as ServerResponse;
  // `chunkedEncoding` is decided by writeHead: HTTP/1.1 without Content-Length.
  if (response.chunkedEncoding && response.socket)
    return new ChunkedSocketTransport(response, response.socket);
  return new ResponseTransport(response);
}
