import { type ClientHttp2Session, type ClientHttp2Stream, connect } from 'node:http2';
import { type RawRequest, SseRecorder } from './sse-recorder.ts';

/**
 * RawSseClient's twin over HTTP/2 (TLS, the test certificate accepted): one session per client,
 * as separate browser pages would have, and the same `response` record, so a suite runs over
 * either protocol unchanged. Header names are lower-case; pseudo-headers (`:status`) are left out.
 */
export class Http2SseClient extends SseRecorder {
  readonly session: ClientHttp2Session;
  readonly stream: ClientHttp2Stream;

  readonly #ownSession: boolean;

  private constructor(port: number, request: RawRequest, session: ClientHttp2Session | undefined) {
    super('over HTTP/2');
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
      this.notify();
    });
    this.stream.on('data', (chunk: Buffer) => {
      this.receive(chunk);
      this.notify();
    });
    this.stream.on('close', () => this.finish());
    this.stream.on('error', () => undefined);
    if (request.method === 'HEAD' || request.method === 'GET' || request.method === undefined)
      this.stream.end();
  }

  /** Opens a stream, on its own session or, as a browser page does, on a shared `session`. */
  static open(port: number, request: RawRequest, session?: ClientHttp2Session): Http2SseClient {
    return new Http2SseClient(port, request, session);
  }

  /** Stops reading this stream, like a client that hangs: HTTP/2 flow control then holds the server's writes. */
  pause(): void {
    this.stream.pause();
  }

  close(): void {
    this.stream.destroy();
    if (this.#ownSession) this.session.destroy();
  }
}
