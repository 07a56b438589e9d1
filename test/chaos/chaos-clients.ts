import { connect, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { EventSource, type FetchLike } from 'eventsource';
import { createParser } from 'eventsource-parser';
import { FlightEvent, LAST_EVENT_ID_PARAM } from '../../protocol/protocol.ts';
import type { BoardReplica } from './board-replica.ts';
import type { SeededRandom } from './seeded-random.ts';

/** The knobs of one chaos run, shared by every client and changed as the run moves on. */
export interface ChaosControl {
  /** While true, clients cut their connections at random byte offsets. */
  cutting: boolean;
  /** Counts of what the run injected. */
  readonly injected: { clientCuts: number; longAbsences: number };
  /** Resolves when the history has moved `events` past `id` (or after a bounded wait). */
  historyMovedPast(id: string | undefined, events: number): Promise<void>;
}

/** A chaos client: it connects, reads, gets cut, reconnects with its last id, until stopped. */
export interface ChaosClient {
  readonly replica: BoardReplica;
  /** True while a stream is open and has delivered its first event. */
  readonly live: boolean;
  start(): void;
  stop(): void;
}

const EVENT_NAMES = Object.values(FlightEvent);

/** Bytes until the next cut: mostly short (cuts inside the first events, mid-event), sometimes long. */
function cutBudget(rng: SeededRandom): number {
  return rng.chance(0.3) ? rng.int(1, 400) : rng.int(400, 30_000);
}

/**
 * An SSE client over a raw TCP socket that cuts its own connection after a random number of
 * received bytes (headers, chunk framing and body all count, so cuts land anywhere: inside the
 * head, a chunk-size line, an event, a multi-byte character), then reconnects after a random
 * delay with its last id, by header or by `?lastEventId=`.
 */
export class RawChaosClient implements ChaosClient {
  live = false;
  #socket: Socket | undefined;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly replica: BoardReplica,
    /** The port of the instance to (re)connect to, asked before every connection. */
    readonly port: () => number,
    readonly rng: SeededRandom,
    readonly control: ChaosControl,
  ) {}

  start(): void {
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#socket?.destroy();
  }

  #connect(): void {
    if (this.#stopped) return;
    const lastId = this.replica.lastEventId;
    const byQuery = lastId !== undefined && this.rng.chance(0.3);
    const path = byQuery ? `/events?${LAST_EVENT_ID_PARAM}=${encodeURIComponent(lastId)}` : '/events';
    const port = this.port();
    const headers = [`GET ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Accept: text/event-stream'];
    if (lastId !== undefined && !byQuery) headers.push(`Last-Event-ID: ${lastId}`);
    let budget = this.control.cutting ? cutBudget(this.rng) : Number.POSITIVE_INFINITY;
    const body = new SseBodyReader(
      (status) => {
        if (status === 200) this.replica.connected(lastId);
        else if (status === 204) this.stop();
        else if (status !== 503) this.replica.violations.push(`${this.replica.name}: status ${status}`);
      },
      (event) => {
        this.replica.receive(event);
        if (event.event === FlightEvent.closed) this.stop();
        else this.live = true;
      },
    );
    const socket = connect(port, '127.0.0.1');
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.write(`${headers.join('\r\n')}\r\n\r\n`);
    socket.on('data', (chunk: Buffer) => {
      if (socket !== this.#socket) return;
      // Cutting stops when the run settles; a connection opened during chaos then reads to the end.
      if (!this.control.cutting) budget = Number.POSITIVE_INFINITY;
      const take = chunk.byteLength <= budget ? chunk : chunk.subarray(0, budget);
      budget -= take.byteLength;
      body.feed(take);
      if (budget <= 0) {
        this.control.injected.clientCuts++;
        socket.destroy();
      }
    });
    socket.on('close', () => {
      if (socket !== this.#socket) return;
      this.live = false;
      this.#socket = undefined;
      this.#scheduleReconnect();
    });
  }

  #scheduleReconnect(): void {
    if (this.#stopped) return;
    if (this.control.cutting && this.rng.chance(0.03)) {
      // Gone long enough for the history to move on: the resume must fall back to a snapshot.
      this.control.injected.longAbsences++;
      void this.control.historyMovedPast(this.replica.lastEventId, 1100).then(() => this.#connect());
      return;
    }
    this.#timer = setTimeout(() => this.#connect(), this.rng.int(0, 30));
  }
}

/**
 * Reads an HTTP/1.1 response head and a chunked (or plain) SSE body fed in arbitrary pieces,
 * decoding UTF-8 across piece boundaries, and dispatches complete events only: an event cut
 * before its blank line is dropped, as the SSE spec says.
 */
export class SseBodyReader {
  status: number | undefined;
  #head = Buffer.alloc(0);
  #inBody = false;
  #chunked = false;
  #buffer = Buffer.alloc(0);
  /** Bytes left in the current chunk; -1 while reading a size line; -2 while expecting its CRLF. */
  #left = -1;
  readonly #decoder = new StringDecoder('utf8');
  readonly #parser;

  constructor(
    readonly onStatus: (status: number) => void,
    onEvent: (event: { id: string; event: string; data: string }) => void,
  ) {
    this.#parser = createParser({
      onEvent: ({ id, event, data }) => onEvent({ id: id ?? '', event: event ?? FlightEvent.message, data }),
    });
  }

  /** Feeds bytes: `onStatus` once the head is complete, then `onEvent` per complete event. */
  feed(bytes: Buffer): void {
    if (!this.#inBody) {
      this.#head = Buffer.concat([this.#head, bytes]);
      const end = this.#head.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = this.#head.subarray(0, end).toString('latin1');
      this.status = Number(head.split(' ')[1]);
      this.#chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head);
      this.#inBody = true;
      bytes = this.#head.subarray(end + 4);
      this.onStatus(this.status);
    }
    if (this.#chunked) this.#dechunk(bytes);
    else this.#text(bytes);
  }

  #dechunk(bytes: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, bytes]);
    for (;;) {
      if (this.#left === -1) {
        const lineEnd = this.#buffer.indexOf('\r\n');
        if (lineEnd === -1) return;
        this.#left = Number.parseInt(this.#buffer.subarray(0, lineEnd).toString('latin1'), 16);
        this.#buffer = this.#buffer.subarray(lineEnd + 2);
        if (this.#left === 0) return; // the last chunk: the response is over
      } else if (this.#left === -2) {
        if (this.#buffer.byteLength < 2) return;
        this.#buffer = this.#buffer.subarray(2);
        this.#left = -1;
      } else {
        if (this.#buffer.byteLength === 0) return;
        const take = this.#buffer.subarray(0, this.#left);
        this.#text(take);
        this.#left -= take.byteLength;
        this.#buffer = this.#buffer.subarray(take.byteLength);
        if (this.#left === 0) this.#left = -2;
      }
    }
  }

  #text(bytes: Buffer): void {
    this.#parser.feed(this.#decoder.write(bytes));
  }
}

/**
 * A `fetch` for the `eventsource` package whose response bodies end after a random number of
 * bytes while the run is cutting: the client sees the stream end mid-way and reconnects by
 * itself, sending `Last-Event-ID` (it waits the server's `retry:` first).
 */
function cuttingFetch(
  replica: BoardReplica,
  port: () => number,
  rng: SeededRandom,
  control: ChaosControl,
): FetchLike {
  return async (url, init) => {
    const sent = new Headers(init.headers).get('last-event-id') ?? undefined;
    const target = new URL(url);
    target.port = String(port());
    const response = await fetch(target, init as RequestInit);
    if (response.status !== 200 || !response.body) return response;
    replica.connected(sent);
    let budget = control.cutting ? cutBudget(rng) : Number.POSITIVE_INFINITY;
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        if (!control.cutting) budget = Number.POSITIVE_INFINITY;
        if (value.byteLength < budget) {
          budget -= value.byteLength;
          controller.enqueue(value);
          return;
        }
        if (budget > 0) controller.enqueue(value.subarray(0, budget));
        control.injected.clientCuts++;
        controller.close();
        await reader.cancel().catch(() => undefined);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
}

/**
 * The `eventsource` npm client, cut at random byte offsets by its `fetch`, resuming on its own;
 * its `fetch` also sends every (re)connection to the instance `port()` names.
 */
export class EventSourceChaosClient implements ChaosClient {
  live = false;
  #source: EventSource | undefined;

  constructor(
    readonly replica: BoardReplica,
    /** The port of the instance to (re)connect to, asked before every connection. */
    readonly port: () => number,
    readonly rng: SeededRandom,
    readonly control: ChaosControl,
  ) {}

  start(): void {
    const fetch = cuttingFetch(this.replica, this.port, this.rng, this.control);
    const source = new EventSource('http://127.0.0.1/events', { fetch });
    this.#source = source;
    source.addEventListener('error', () => {
      this.live = false;
    });
    for (const name of EVENT_NAMES) {
      source.addEventListener(name, (event) => {
        this.replica.receive({ id: event.lastEventId, event: name, data: event.data });
        if (name === FlightEvent.closed) this.stop();
        else this.live = true;
      });
    }
  }

  stop(): void {
    this.#source?.close();
  }
}
