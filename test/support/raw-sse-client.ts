import { connect, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** What a raw socket read of an SSE response saw. */
export interface RawResponse {
  status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Every byte of the body after de-chunking, as text. */
  body: string;
  events: EventSourceMessage[];
  comments: string[];
  retry: number | undefined;
}

export interface RawRequest {
  path: string;
  method?: string;
  headers?: Record<string, string>;
}

/**
 * A minimal HTTP/1.1 client over a raw TCP socket that records the exact status line,
 * headers and body bytes of an SSE response and parses its events as they arrive.
 * Nothing between us and the server rewrites the bytes.
 */
export class RawSseClient {
  readonly response: RawResponse = {
    status: 0,
    headers: {},
    body: '',
    events: [],
    comments: [],
    retry: undefined,
  };
  readonly #socket: Socket;
  #raw = Buffer.alloc(0);
  #headerDone = false;
  #chunked = false;
  #chunkBuffer = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  #ended = false;
  readonly #decoder = new StringDecoder('utf8');
  readonly #parser = createParser({
    onEvent: (event) => this.response.events.push(event),
    onComment: (comment) => this.response.comments.push(comment),
    onRetry: (retry) => {
      this.response.retry = retry;
    },
  });

  private constructor(port: number, request: RawRequest) {
    this.#socket = connect(port, '127.0.0.1');
    const headers = { Host: `127.0.0.1:${port}`, Accept: 'text/event-stream', ...request.headers };
    const lines = [`${request.method ?? 'GET'} ${request.path} HTTP/1.1`];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    this.#socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    this.#socket.on('data', (chunk) => this.#onData(chunk));
    this.#socket.on('close', () => {
      this.#ended = true;
      this.#notify();
    });
    this.#socket.on('error', () => undefined);
  }

  static open(port: number, request: RawRequest): RawSseClient {
    return new RawSseClient(port, request);
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Waits until `predicate` holds for what was received, or fails after `timeoutMs`. */
  async waitFor(
    predicate: (r: RawResponse) => boolean,
    timeoutMs = 3000,
    what = 'condition',
  ): Promise<RawResponse> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.response)) {
      const left = deadline - Date.now();
      if (left <= 0 || (this.#ended && !predicate(this.response))) {
        if (predicate(this.response)) break;
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; saw status ${this.response.status}, body:\n${this.response.body}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.response;
  }

  /** Waits until at least `count` events arrived. */
  waitForEvents(count: number, timeoutMs = 3000): Promise<RawResponse> {
    return this.waitFor((r) => r.events.length >= count, timeoutMs, `${count} events`);
  }

  /** Waits for the server to close the connection. */
  waitForEnd(timeoutMs = 3000): Promise<RawResponse> {
    return this.waitFor(() => this.#ended, timeoutMs, 'the end of the response');
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
    else this.#body(chunk);
    this.#notify();
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
      this.#body(this.#chunkBuffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      this.#chunkBuffer = this.#chunkBuffer.subarray(lineEnd + 2 + size + 2);
      if (size === 0) return;
    }
  }

  #body(bytes: Buffer): void {
    const text = this.#decoder.write(bytes); // a character may be split across chunks
    this.response.body += text;
    this.#parser.feed(text);
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
