import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { ReceivedEvent } from '../chaos/board-replica.ts';
import { SseBodyReader } from '../chaos/chaos-clients.ts';

/** What the server answered to a raw request. */
export interface RawAnswer {
  status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The body as text (de-chunked), for non-stream answers. */
  body: string;
  /** For a stream: its first event, if one came within `streamWaitMs` of the head. */
  firstEvent: ReceivedEvent | undefined;
}

export interface RawRequestOptions {
  /** Fails (a hang) when no complete answer came in this time. Default 5000. */
  timeoutMs?: number;
  /** How long a stream is read for its first event after its head. Default 300. */
  streamWaitMs?: number;
}

/** `GET <path>` with `headers`, as bytes (header values are written as latin1: any byte goes). */
export function rawGet(path: string, headers: readonly [string, string][] = [], method = 'GET'): Buffer {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

function dechunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd === -1) break;
    const size = Number.parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/**
 * Sends `request` as is over a new socket and reads the answer: a whole response (until the
 * server closes, as `Connection: close` asks), or the head and first event of a stream.
 */
export function rawRequest(
  port: number,
  request: Buffer,
  options: RawRequestOptions = {},
): Promise<RawAnswer> {
  const { timeoutMs = 5000, streamWaitMs = 300 } = options;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let raw = Buffer.alloc(0);
    let answer: RawAnswer | undefined;
    let bodyStart = 0;
    let stream: SseBodyReader | undefined;
    let streamTimer: NodeJS.Timeout | undefined;
    const finish = (error?: Error) => {
      clearTimeout(timer);
      clearTimeout(streamTimer);
      socket.destroy();
      if (error) reject(error);
      else if (!answer) reject(new Error('the server closed the connection without an answer'));
      else {
        if (!stream) {
          const body = raw.subarray(bodyStart);
          const chunked = /chunked/i.test(answer.headers['transfer-encoding'] ?? '');
          answer.body = (chunked ? dechunk(body) : body).toString('utf8');
        }
        resolve(answer);
      }
    };
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            `no complete answer within ${timeoutMs} ms (a hang): ${raw.toString('latin1').slice(0, 300)}`,
          ),
        ),
      timeoutMs,
    );
    socket.on('error', (error) => (answer ? finish() : finish(error)));
    socket.on('close', () => finish());
    socket.on('data', (chunk: Buffer) => {
      if (stream) {
        stream.feed(chunk);
        return;
      }
      raw = Buffer.concat([raw, chunk]);
      if (answer) return;
      const end = raw.indexOf('\r\n\r\n');
      if (end === -1) return;
      const [statusLine = '', ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
      }
      answer = { status: Number(statusLine.split(' ')[1]), headers, body: '', firstEvent: undefined };
      bodyStart = end + 4;
      if ((headers['content-type'] ?? '').startsWith('text/event-stream')) {
        const current = answer;
        stream = new SseBodyReader(
          () => undefined,
          (event) => {
            current.firstEvent ??= event;
            finish();
          },
        );
        stream.feed(raw);
        streamTimer = setTimeout(() => finish(), streamWaitMs);
      }
    });
    socket.write(request);
  });
}

/** DESIGN.md's error JSON: exactly `{ "error": { "code", "message" } }`, both non-empty text. */
export function assertErrorJson(
  answer: Pick<RawAnswer, 'body' | 'headers' | 'status'>,
  context: string,
): void {
  assert.match(answer.headers['content-type'] ?? '', /^application\/json/, `${context}: error is JSON`);
  const body = JSON.parse(answer.body) as { error?: { code?: unknown; message?: unknown } };
  assert.deepEqual(Object.keys(body), ['error'], `${context}: ${answer.body}`);
  assert.deepEqual(Object.keys(body.error ?? {}).sort(), ['code', 'message'], `${context}: ${answer.body}`);
  assert.ok(typeof body.error?.code === 'string' && body.error.code !== '', context);
  assert.ok(typeof body.error?.message === 'string' && body.error.message !== '', context);
}

/** A stack frame or an exception name in a body would leak the server's internals. */
export function assertNoStackTrace(body: string, context: string): void {
  assert.doesNotMatch(
    body,
    /\n\s+at |\bat [\w.<>]+ \(|node:internal|\.ts:\d+|[A-Za-z]*Error: /,
    `${context}: ${body}`,
  );
}

/**
 * The answer is clean: never a 5xx, a 4xx from our routes carries the error JSON, and a 4xx
 * without a body is Node's HTTP parser refusing the bytes before the app saw them (`400`, `431`).
 * `head`: the answer to a HEAD, which has the headers of the error JSON but no body.
 */
export function assertClean(answer: RawAnswer, context: string, { head = false } = {}): void {
  assert.ok(
    answer.status >= 200 && answer.status < 500,
    `${context}: status ${answer.status} ${answer.body}`,
  );
  assertNoStackTrace(answer.body, context);
  if (answer.status < 400) return;
  const fromParser = answer.headers['content-type'] === undefined && answer.body === '';
  if (fromParser) {
    assert.ok([400, 431].includes(answer.status), `${context}: parser refusal ${answer.status}`);
    return;
  }
  if (head) assert.match(answer.headers['content-type'] ?? '', /^application\/json/, context);
  else assertErrorJson(answer, context);
}
