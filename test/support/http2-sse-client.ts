import { type ClientHttp2Session, type ClientHttp2Stream, connect } from 'node:http2';
import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';
import type { RawRequest, RawResponse } from './raw-sse-client.ts';

/**
 * RawSseClient's twin over HTTP/2 (TLS, the test certificate accepted): one session per client,
 * as separate browser pages would have, and the same `response` record, so a suite runs over
 * either protocol unchanged. Header names are lower-case; pseudo-headers (`:status`) are left out.
 */
export class Http2SseClient {
  readonly response: RawResponse = {
    status: 0,
    headers: {},
    body: '',
    events: [],
    comments: [],
    retry: undefined,
  };
  readonly session: ClientHttp2Session;
  readonly stream: ClientHttp2Stream;
  #ended = false;
  #waiters: (() => void)[] = [];
  readonly #decoder = new StringDecoder('utf8');
  readonly #parser = createParser({
    onEvent: (event) => this.response.events.push(event),
    onComment: (comment) => this.response.comments.push(comment),
    onRetry: (retry) => {
      this.response.retry = retry;
    },
  });

  readonly #ownSession: boolean;

  private constructor(port: number, request: RawRequest, session: ClientHttp2Session | undefined) {
    this.#ownSession = session === undefined;
    this.session = session ?? connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
    this.session.on('error', () => undefined);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
    this.stream = this.session.request({
      ':method': request.method ?? 'GET',
      ':path': request.path,
      accept: 'text/event-stream',
      ...headers,
    });
    this.stream.on('response', (head) => {
      this.response.status = Number(head[':status']);
      for (const [name, value] of Object.entries(head)) {
        if (!name.startsWith(':') && value !== undefined) {
          this.response.headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
        }
      }
      this.#notify();
    });
    this.stream.on('data', (chunk: Buffer) => {
      const text = this.#decoder.write(chunk);
      this.response.body += text;
      this.#parser.feed(text);
      this.#notify();
    });
    const end = () => {
      this.#ended = true;
      this.#notify();
    };
    this.stream.on('close', end);
    this.stream.on('error', () => undefined);
    if (request.method === 'HEAD' || request.method === 'GET' || request.method === undefined)
      this.stream.end();
  }

  /** Opens a stream, on its own session or, as a browser page does, on a shared `session`. */
  static open(port: number, request: RawRequest, session?: ClientHttp2Session): Http2SseClient {
    return new Http2SseClient(port, request, session);
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
      if (left <= 0 || this.#ended) {
        if (predicate(this.response)) break;
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what} over HTTP/2; saw status ${this.response.status}, body:\n${this.response.body}`,
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

  waitForEvents(count: number, timeoutMs = 3000): Promise<RawResponse> {
    return this.waitFor((r) => r.events.length >= count, timeoutMs, `${count} events`);
  }

  waitForEnd(timeoutMs = 3000): Promise<RawResponse> {
    return this.waitFor(() => this.#ended, timeoutMs, 'the end of the response');
  }

  /** Stops reading this stream, like a client that hangs: HTTP/2 flow control then holds the server's writes. */
  pause(): void {
    this.stream.pause();
  }

  close(): void {
    this.stream.destroy();
    if (this.#ownSession) this.session.destroy();
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
