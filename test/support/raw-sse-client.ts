import { connect, type Socket } from 'node:net';
import { type RawRequest, type RawResponse, SseRecorder } from './sse-recorder.ts';

export type { RawRequest, RawResponse };

/**
 * A minimal HTTP/1.1 client over a raw TCP socket that records the exact status line,
 * headers and body bytes of an SSE response and parses its events as they arrive.
 * Nothing between us and the server rewrites the bytes.
 */
export class RawSseClient extends SseRecorder {
  readonly #socket: Socket;
  #raw = Buffer.alloc(0);
  #headerDone = false;
  #chunked = false;
  #chunkBuffer = Buffer.alloc(0);

  private constructor(port: number, request: RawRequest) {
    super('over HTTP/1.1');
    this.#socket = connect(port, '127.0.0.1');
    const headers = { Host: `127.0.0.1:${port}`, Accept: 'text/event-stream', ...request.headers };
    const lines = [`${request.method ?? 'GET'} ${request.path} HTTP/1.1`];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    this.#socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    this.#socket.on('data', (chunk) => this.#onData(chunk));
    this.#socket.on('close', () => this.finish());
    this.#socket.on('error', () => undefined);
  }

  static open(port: number, request: RawRequest): RawSseClient {
    return new RawSseClient(port, request);
  }

  /** Stops reading, like a client that hangs: what the server sends piles up in buffers. */
  pause(): void {
    this.#socket.pause();
  }

  close(): void {
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    if (!this.#headerDone) {
      this.#raw = Buffer.concat([this.#raw, chunk]);
      const end = this.#raw.indexOf('\r\n\r\n');
      if (end === -1) return;
      this.#parseHead(this.#raw.subarray(0, end).toString('latin1'));
      this.#headerDone = true;
      chunk = this.#raw.subarray(end + 4);
    }
    if (this.#chunked) this.#dechunk(chunk);
    else this.receive(chunk);
    this.notify();
  }

  #parseHead(head: string): void {
    const [statusLine = '', ...lines] = head.split('\r\n');
    this.response.status = Number(statusLine.split(' ')[1]);
    for (const line of lines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      this.response.headers[name] =
        name in this.response.headers ? `${this.response.headers[name]}, ${value}` : value;
    }
    this.#chunked = /chunked/i.test(this.response.headers['transfer-encoding'] ?? '');
  }

  #dechunk(chunk: Buffer): void {
    this.#chunkBuffer = Buffer.concat([this.#chunkBuffer, chunk]);
    for (;;) {
      const lineEnd = this.#chunkBuffer.indexOf('\r\n');
      if (lineEnd === -1) return;
      const size = Number.parseInt(this.#chunkBuffer.subarray(0, lineEnd).toString('latin1'), 16);
      if (this.#chunkBuffer.length < lineEnd + 2 + size + 2) return;
      this.receive(this.#chunkBuffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      this.#chunkBuffer = this.#chunkBuffer.subarray(lineEnd + 2 + size + 2);
      if (size === 0) return;
    }
  }
}
