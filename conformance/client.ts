import { type ClientHttp2Stream, constants as http2Constants } from 'node:http2';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { constants, createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Http2Pool } from './http2-pool.ts';
import { SseReader } from './reader.ts';

/**
 * The kit's own HTTP/1.1 client over a raw socket. It records exactly what the server sent:
 * status line, headers in order, each body read with its arrival time, and feeds the body to a
 * strict SSE reader. Nothing between the kit and the server rewrites bytes; the only
 * transformation is the one a browser applies (de-chunking and `Content-Encoding`), and both
 * are recorded.
 */

export interface StreamRequest {
  url: string;
  /** Default `GET`. */
  method?: string;
  /** Added to (and overriding) the browser-like defaults; `null` removes a default. */
  headers?: Record<string, string | null>;
  /** Follow 301/302/303/307/308 like a browser (at most 5 hops). Default true. */
  followRedirects?: boolean;
  /** TLS trust for https: targets. Default: the system's CAs, certificates verified. */
  tls?: TlsTrust;
  /** The request body (a POST-opened stream: LLM streaming APIs, MCP's Streamable HTTP). */
  body?: Buffer;
  /** Send the request as a stream of this pool's HTTP/2 connection instead of over HTTP/1.1. */
  http2?: Http2Pool;
}

/** How an https: target's certificate is trusted (`--insecure`, `--ca`). */
export interface TlsTrust {
  /** Accept any certificate (`--insecure`/`-k`): for a self-signed development server. */
  insecure?: boolean;
  /** PEM text of the CA (or self-signed certificate) to trust, instead of the system's (`--ca <pem>`). */
  ca?: string;
}

/** The request headers a browser's EventSource sends (WHATWG HTML + Fetch). */
export const BROWSER_HEADERS: Readonly<Record<string, string>> = {
  Accept: 'text/event-stream',
  'Cache-Control': 'no-cache',
  Pragma: 'no-cache',
  'Accept-Encoding': 'gzip, deflate, br',
  'User-Agent': 'sse-conformance',
};

export interface Hop {
  url: string;
  status: number;
  location: string | undefined;
}

export interface BodyRead {
  /** ms since the request was sent. */
  at: number;
  bytes: number;
}

const MAX_REDIRECTS = 5;
const MAX_HEAD_BYTES = 64 * 1024;

export class StreamRecorder {
  readonly request: StreamRequest;
  readonly requestHeaders: Record<string, string>;
  url: string;
  readonly hops: Hop[] = [];
  status = 0;
  statusLine = '';
  /** Lower-cased names; repeated headers joined with `, `. */
  headers: Record<string, string> = {};
  rawHeaders: [string, string][] = [];
  /** ms since the request when the header block was complete. */
  headersAt = -1;
  /** ms since the request when the (last hop's) connection was established (TLS included). */
  connectedAt = -1;
  /** ms since the request when the first body byte arrived. */
  firstByteAt = -1;
  readonly reads: BodyRead[] = [];
  reader = new SseReader();
  ended = false;
  endedAt = -1;
  /** Set when the connection failed before or during the response. */
  error: Error | undefined;
  /** True when the client closed the connection (not the server). */
  closedByUs = false;
  /** Over HTTP/2: the RST_STREAM code the stream ended with (0 NO_ERROR), -1 before it ended. */
  resetCode = -1;
  readonly startedAt = performance.now();

  #socket: Socket | undefined;
  #h2: ClientHttp2Stream | undefined;
  #head = Buffer.alloc(0);
  #inBody = false;
  #mode: 'chunked' | 'length' | 'close' | 'none' = 'close';
  #remaining = 0;
  #chunkBuf = Buffer.alloc(0);
  /** CRLF bytes still to skip after a chunk's data. */
  #chunkTrailer = 0;
  #sink: ((bytes: Buffer) => void) | undefined;
  #inflater: NodeJS.ReadWriteStream | undefined;
  #waiters = new Set<() => void>();

  constructor(request: StreamRequest) {
    this.request = request;
    this.url = request.url;
    this.requestHeaders = {};
    for (const [name, value] of Object.entries({ ...BROWSER_HEADERS, ...request.headers })) {
      if (value !== null && value !== undefined) this.requestHeaders[name] = value;
    }
    if (request.http2) this.#openH2(request.http2, new URL(request.url), request.method ?? 'GET');
    else this.#open(new URL(request.url), request.method ?? 'GET');
  }

  /** ms since the request was sent. */
  now(): number {
    return performance.now() - this.startedAt;
  }

  /** Resolves true once `predicate` holds, false when `timeoutMs` passes or the stream ends first. */
  async waitFor(predicate: (r: StreamRecorder) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (!predicate(this)) {
      const left = deadline - performance.now();
      if (left <= 0 || this.ended) return predicate(this);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.#waiters.add(wake);
      });
    }
    return true;
  }

  /** Resolves true once the response head arrived. */
  waitForHeaders(timeoutMs: number): Promise<boolean> {
    return this.waitFor((r) => r.headersAt >= 0, timeoutMs);
  }

  /** Resolves true once `count` events were dispatched. */
  waitForEvents(count: number, timeoutMs: number): Promise<boolean> {
    return this.waitFor((r) => r.reader.events.length >= count, timeoutMs);
  }

  /** Closes the connection from our side. */
  close(): void {
    if (!this.ended) this.closedByUs = true;
    this.#socket?.destroy();
    if (this.#h2 && !this.#h2.closed) this.#h2.close(http2Constants.NGHTTP2_CANCEL);
    this.#finish();
  }

  /** A one-line description of the response, for evidence. */
  describe(): string {
    if (this.error && this.headersAt < 0) return `no response (${this.error.message})`;
    if (this.headersAt < 0) return 'no response headers yet';
    return `${this.statusLine} (${Math.round(this.headersAt)} ms)`;
  }

  #open(url: URL, method: string): void {
    const secure = url.protocol === 'https:';
    const port = Number(url.port || (secure ? 443 : 80));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const socket = secure
      ? tlsConnect({
          host,
          port,
          // SNI takes a host name, never an IP literal
          servername: isIP(host) ? undefined : host,
          ALPNProtocols: ['http/1.1'],
          rejectUnauthorized: !this.request.tls?.insecure,
          ca: this.request.tls?.ca,
        })
      : netConnect({ host, port });
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      if (this.#socket === socket) this.connectedAt = this.now();
    });
    const body = this.#bodyFor(method);
    const headers: Record<string, string> = { Host: url.host, ...this.requestHeaders };
    if (body) headers['Content-Length'] = String(body.length);
    const lines = [`${method} ${url.pathname}${url.search} HTTP/1.1`];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    // UTF-8, as a browser sends a Last-Event-ID ("UTF-8 encoded") and curl a --header typed in a
    // UTF-8 terminal; latin1 would send é as one byte and cut anything above U+00FF.
    socket.write(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
    if (body) socket.write(body);
    socket.on('data', (chunk: Buffer) => this.#onData(socket, chunk, method));
    socket.on('error', (error) => {
      if (this.#socket === socket) this.error = error;
    });
    socket.on('close', () => {
      if (this.#socket === socket) this.#finish();
    });
  }

  /** The request as one stream of the pool's HTTP/2 connection (redirects are not followed here). */
  #openH2(pool: Http2Pool, url: URL, method: string): void {
    const session = pool.session(url);
    const markConnected = () => {
      const at = pool.connectedAt(url);
      this.connectedAt = at === undefined ? this.now() : Math.max(0, at - this.startedAt);
    };
    if (session.connecting) session.once('connect', markConnected);
    else markConnected();
    const headers: Record<string, string> = { ':method': method, ':path': `${url.pathname}${url.search}` };
    for (const [name, value] of Object.entries(this.requestHeaders)) headers[name.toLowerCase()] = value;
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(headers, {
        endStream: method === 'GET' || method === 'HEAD' || method === 'OPTIONS',
      });
    } catch (error) {
      this.error = error instanceof Error ? error : new Error(String(error));
      this.#complete();
      return;
    }
    this.#h2 = stream;
    stream.on('response', (head) => {
      this.status = Number(head[':status'] ?? 0);
      this.statusLine = `HTTP/2 ${this.status}`;
      this.headers = {};
      this.rawHeaders = [];
      for (const [name, value] of Object.entries(head)) {
        if (name.startsWith(':') || value === undefined) continue;
        const text = Array.isArray(value) ? value.join(', ') : String(value);
        this.rawHeaders.push([name, text]);
        this.headers[name] = text;
      }
      this.headersAt = this.now();
      this.#inBody = true;
      this.#startBody(method);
      this.#notify();
    });
    stream.on('data', (chunk: Buffer) => this.#sink?.(chunk));
    stream.on('error', (error) => {
      this.error ??= error;
    });
    stream.on('close', () => {
      this.resetCode = stream.rstCode ?? 0;
      this.#finish();
    });
  }

  /** The body to send: the request's, for methods that carry one (not a redirect turned GET). */
  #bodyFor(method: string): Buffer | undefined {
    return this.request.body && method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS'
      ? this.request.body
      : undefined;
  }

  #onData(socket: Socket, chunk: Buffer, method: string): void {
    if (this.#socket !== socket) return;
    if (!this.#inBody) {
      this.#head = Buffer.concat([this.#head, chunk]);
      const end = this.#head.indexOf('\r\n\r\n');
      if (end === -1) {
        if (this.#head.length > MAX_HEAD_BYTES) {
          this.error = new Error(`response head larger than ${MAX_HEAD_BYTES} bytes`);
          socket.destroy();
        }
        return;
      }
      const rest = this.#head.subarray(end + 4);
      this.#parseHead(this.#head.subarray(0, end).toString('latin1'));
      this.#head = Buffer.alloc(0);
      if (this.#redirect(method)) return;
      this.#inBody = true;
      this.#startBody(method);
      this.#notify();
      chunk = rest;
      if (chunk.length === 0) return;
    }
    this.#body(chunk);
  }

  #parseHead(head: string): void {
    const [statusLine = '', ...lines] = head.split('\r\n');
    this.statusLine = statusLine;
    this.status = Number(statusLine.split(' ')[1] ?? 0);
    this.headers = {};
    this.rawHeaders = [];
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      const key = name.toLowerCase();
      this.rawHeaders.push([name, value]);
      this.headers[key] = key in this.headers ? `${this.headers[key]}, ${value}` : value;
    }
    this.headersAt = this.now();
  }

  #redirect(method: string): boolean {
    const location = this.headers.location;
    const isRedirect = [301, 302, 303, 307, 308].includes(this.status);
    if (!isRedirect || this.request.followRedirects === false) return false;
    this.hops.push({ url: this.url, status: this.status, location });
    if (location === undefined || this.hops.length > MAX_REDIRECTS) return false;
    let next: URL;
    try {
      next = new URL(location, this.url);
    } catch {
      return false;
    }
    const nextMethod = this.status === 303 ? 'GET' : method;
    this.#socket?.destroy();
    this.url = next.href;
    this.status = 0;
    this.headersAt = -1;
    this.connectedAt = -1;
    this.#open(next, nextMethod);
    return true;
  }

  #startBody(method: string): void {
    const length = this.headers['content-length'];
    if (method === 'HEAD' || this.status === 204 || this.status === 304 || this.status < 200) {
      this.#mode = 'none';
    } else if (/chunked/i.test(this.headers['transfer-encoding'] ?? '')) {
      this.#mode = 'chunked';
    } else if (length !== undefined && /^\d+$/.test(length)) {
      this.#mode = 'length';
      this.#remaining = Number(length);
    }
    const encoding = (this.headers['content-encoding'] ?? '').trim().toLowerCase();
    const deliver = (bytes: Buffer) => this.#deliver(bytes);
    const inflater =
      encoding === 'gzip' || encoding === 'x-gzip'
        ? createGunzip({ flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH })
        : encoding === 'deflate'
          ? createInflate({ flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH })
          : encoding === 'br'
            ? createBrotliDecompress()
            : undefined;
    if (inflater) {
      this.#inflater = inflater;
      inflater.on('data', deliver);
      inflater.on('error', (error: Error) => {
        this.error = error;
      });
      this.#sink = (bytes) => inflater.write(bytes);
    } else {
      this.#sink = deliver;
    }
    if (this.#mode === 'none' || (this.#mode === 'length' && this.#remaining === 0)) this.#socket?.end();
  }

  #body(chunk: Buffer): void {
    if (this.#mode === 'chunked') {
      this.#dechunk(chunk);
    } else if (this.#mode === 'length') {
      const take = chunk.subarray(0, this.#remaining);
      this.#remaining -= take.length;
      this.#sink?.(take);
      if (this.#remaining === 0) this.#socket?.end();
    } else if (this.#mode === 'close') {
      this.#sink?.(chunk);
    }
  }

  /** Streaming de-chunker: hands chunk data on as it arrives, as a browser's fetch does. */
  #dechunk(chunk: Buffer): void {
    let buf = this.#chunkBuf.length > 0 ? Buffer.concat([this.#chunkBuf, chunk]) : chunk;
    this.#chunkBuf = Buffer.alloc(0);
    while (buf.length > 0) {
      if (this.#remaining > 0) {
        const take = buf.subarray(0, this.#remaining);
        this.#remaining -= take.length;
        buf = buf.subarray(take.length);
        this.#sink?.(take);
        if (this.#remaining === 0) this.#chunkTrailer = 2;
        continue;
      }
      if (this.#chunkTrailer > 0) {
        const skip = Math.min(this.#chunkTrailer, buf.length);
        this.#chunkTrailer -= skip;
        buf = buf.subarray(skip);
        continue;
      }
      const lineEnd = buf.indexOf('\r\n');
      if (lineEnd === -1) {
        this.#chunkBuf = Buffer.from(buf);
        return;
      }
      const size = Number.parseInt(buf.subarray(0, lineEnd).toString('latin1'), 16);
      buf = buf.subarray(lineEnd + 2);
      if (Number.isNaN(size)) {
        this.error = new Error('malformed chunked encoding');
        this.#socket?.destroy();
        return;
      }
      if (size === 0) {
        this.#socket?.end();
        return;
      }
      this.#remaining = size;
    }
  }

  #deliver(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const at = this.now();
    if (this.firstByteAt < 0) this.firstByteAt = at;
    this.reads.push({ at, bytes: bytes.length });
    this.reader.push(bytes, at);
    this.#notify();
  }

  #finish(): void {
    const inflater = this.#inflater;
    if (inflater && !this.closedByUs) {
      // let the decompressor hand over what it still holds before the stream counts as ended
      this.#inflater = undefined;
      inflater.once('end', () => this.#complete());
      inflater.once('error', () => this.#complete());
      inflater.end();
      return;
    }
    this.#complete();
  }

  #complete(): void {
    if (this.ended) return;
    this.ended = true;
    this.endedAt = this.now();
    this.#inflater?.end();
    this.reader.end(this.endedAt);
    this.#notify();
  }

  #notify(): void {
    for (const wake of [...this.#waiters]) wake();
  }
}

/** Opens a stream (browser-like request unless told otherwise). */
export function openStream(request: StreamRequest): StreamRecorder {
  return new StreamRecorder(request);
}

/**
 * Sends a request and returns once the head arrived (or `timeoutMs` passed), closing the
 * connection: for checks that only need status and headers.
 */
export async function probeHead(request: StreamRequest, timeoutMs: number): Promise<StreamRecorder> {
  const stream = openStream(request);
  await stream.waitForHeaders(timeoutMs);
  stream.close();
  return stream;
}
