import {
  FlightEvent,
  flightEvent,
  HEARTBEAT_COMMENT,
  type StreamEvent,
  serializeComment,
  serializeEvent,
  serializeRetry,
} from '../protocol/protocol.ts';
import type { FlightStore } from './store/flight-store.ts';

export interface EventHubOptions {
  /** `retry:` sent at the start of every stream (ms). */
  retryMs: number;
  /** Silence after which a client gets a `: keep-alive` comment (ms). */
  heartbeatMs: number;
  /** Unsent bytes a client may accumulate before it is disconnected to resync later. */
  maxBufferedBytes: number;
  /** Injectable clock, for tests. */
  now?: () => number;
  /** Called when a slow client is dropped, with the bytes it left unsent (for logs). */
  onEvict?: (unsentBytes: number) => void;
}

/** The writable end of one SSE response: Node's ServerResponse satisfies it. */
export interface StreamSink {
  write(chunk: string): boolean;
  end(chunk?: string): unknown;
  destroy(): unknown;
  readonly writableLength: number;
}

/**
 * The TCP socket under an HTTP/1.1 chunked response whose headers are already sent. Writing a
 * complete chunk to it directly is what the response would do, minus its per-write work.
 */
export interface ChunkedSocket {
  write(chunk: Uint8Array): boolean;
  readonly writableLength: number;
}

export interface ConnectOptions {
  /** The response's socket, when it is HTTP/1.1 chunked: live events go to it as ready-made chunks. */
  chunkedSocket?: ChunkedSocket | undefined;
  /**
   * Called at the stream's catch-up turn, right before its first write (`retry:`): the HTTP
   * layer sends its headers then, so that they leave with that write.
   */
  beforeFirstWrite?: (() => void) | undefined;
}

/** A replay joined once, as text (for sinks) and as one HTTP/1.1 chunk (for chunked sockets). */
interface JoinedReplay {
  /** Id of its last event; the `Last-Event-ID` it resumes from when it is empty. */
  lastId: string;
  /** Empty when the client is already up to date (then `chunk` must not be written). */
  text: string;
  chunk: Buffer;
}

/**
 * Joined replays kept at once (one per distinct `Last-Event-ID` resumed from since the last
 * event): when more are asked for, the oldest is dropped, so memory stays bounded whatever
 * ids clients send.
 */
const MAX_CACHED_REPLAYS = 16;

/**
 * Catch-ups started per turn of the event loop. A reconnect storm otherwise runs every client's
 * catch-up back to back and holds live broadcasts until all are written (docs/performance.md).
 */
export const CATCH_UPS_PER_TURN = 8;

/** `text` as one complete HTTP/1.1 chunk: `<size in hex>\r\n<text>\r\n`. */
function httpChunk(text: string): Buffer {
  const body = Buffer.from(text);
  return Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n')]);
}

interface Client {
  sink: StreamSink;
  socket: ChunkedSocket | undefined;
  /** Live events that arrived while the client's replay or snapshot was being written. */
  pending: StreamEvent[] | undefined;
  lastWriteAt: number;
}

/**
 * Fans the store's events out to every open stream. Each event is serialised once and the
 * same string written to every client; a client that falls too far behind is dropped
 * (it reconnects with its Last-Event-ID and resyncs) so memory stays bounded.
 */
export class EventHub {
  /** By sink: a stream's close listener finds its client without a closure per stream. */
  readonly #clients = new Map<StreamSink, Client>();
  readonly #frames = new WeakMap<StreamEvent, string>();
  readonly #chunks = new WeakMap<StreamEvent, Buffer>();
  /**
   * Joined replays (read or being read) by the `Last-Event-ID` they resume from: clients resuming
   * from the same id share one read of the history, one string and one Buffer (in a storm of
   * 1,000 clients, 999 copies of 500 events saved). Emptied on every new event and on resync: a
   * client is only ever served a read that began after the last event it did not get live.
   */
  readonly #replays = new Map<string, Promise<JoinedReplay | undefined>>();
  /** Catch-ups waiting for their turn (see CATCH_UPS_PER_TURN), in arrival order. */
  readonly #catchUpQueue: (() => void)[] = [];
  #catchUpDrain: NodeJS.Immediate | undefined;
  readonly #options: Required<EventHubOptions>;
  readonly #unsubscribe: () => void;
  readonly #unresync: (() => void) | undefined;
  readonly #unclosedChange: (() => void) | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;
  /** Counters for /health and /metrics. */
  readonly stats = { eventsSent: 0, replays: 0, snapshots: 0, evictions: 0 };
  /**
   * A `close` listener for every stream's sink, e.g. `res.on('close', hub.closeListener)`: one
   * function for all, where a closure per stream would hold ~0.4 KB for the life of each.
   */
  readonly closeListener: (this: StreamSink) => void;

  constructor(
    readonly store: FlightStore,
    options: EventHubOptions,
  ) {
    this.#options = { now: Date.now, onEvict: () => undefined, ...options };
    const hub = this;
    this.closeListener = function (this: StreamSink) {
      hub.disconnect(this);
    };
    this.#unsubscribe = store.subscribe((event) => this.#broadcast(event));
    // A store that lost its history (Redis restarted empty) asks clients to resync: ending
    // their streams makes them reconnect with an id the store no longer knows, so each
    // gets a fresh snapshot instead of keeping a board that no longer matches.
    this.#unresync = store.onResync?.(() => {
      // Ids may be reused by the emptied store: a cached replay could then be a different one.
      this.#replays.clear();
      this.endAll();
    });
    // A shared store (Redis) keeps the closed state for every instance: this hub starts in it
    // and follows its changes, whichever instance received the `/close` or `/open`.
    this.#closed = store.isClosed?.() ?? false;
    this.#unclosedChange = store.onClosedChange?.((closed, headId) => {
      if (closed) this.#closeClients(headId);
      else this.#closed = false;
    });
  }

  /** Number of open streams. */
  get clientCount(): number {
    return this.#clients.size;
  }

  /**
   * Starts a stream on `sink`: `retry:`, then either the events after `lastEventId` (when
   * the store still has them) or a snapshot, then live events with nothing lost or repeated
   * in between. Call `disconnect(sink)` when the client goes away (for a Node response: listen
   * to its `close` with `closeListener`); `ready` settles once it is live.
   */
  connect(
    sink: StreamSink,
    lastEventId?: string,
    { chunkedSocket, beforeFirstWrite }: ConnectOptions = {},
  ): { ready: Promise<void> } {
    const client: Client = { sink, socket: chunkedSocket, pending: [], lastWriteAt: this.#options.now() };
    this.#clients.set(sink, client);
    this.#ensureHeartbeat();
    const ready = this.#catchUp(client, lastEventId, beforeFirstWrite).then((sentUpTo) => {
      const pending = client.pending ?? [];
      client.pending = undefined;
      for (const event of pending) {
        if (this.store.isAfter(event.id, sentUpTo)) this.#write(client, this.#frame(event));
      }
    });
    return { ready };
  }

  /** Forgets the client on `sink`, if any: it is written nothing more. */
  disconnect(sink: StreamSink): void {
    const client = this.#clients.get(sink);
    if (client) this.#forget(client);
  }

  /** True while at least one client is connected: the shared heartbeat timer runs only then. */
  get heartbeatActive(): boolean {
    return this.#heartbeat !== undefined;
  }

  /** True between `closeAll()` and `reopen()`: new streams are refused (`204`). */
  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Accepts streams again after `closeAll()`. With a shared store, on every instance: the
   * change goes through the store and comes back to each hub (this one included) as a
   * notification; it settles once this hub has applied it.
   */
  async reopen(): Promise<void> {
    if (this.store.setClosed) await this.store.setClosed(false);
    else this.#closed = false;
  }

  /**
   * Sends `closedConnection` to every client, ends their streams, and refuses new ones until
   * `reopen()`. With a shared store, on every instance (see `reopen`); if the store is down
   * it fails and nothing has changed.
   */
  async closeAll(): Promise<void> {
    if (this.store.setClosed) {
      // Not closing here as well: the notification does it, once, on every instance.
      await this.store.setClosed(true);
      return;
    }
    // Read first: if the store is down, `/close` fails (503) and nothing has changed.
    const { lastEventId } = await this.store.state();
    this.#closeClients(lastEventId);
  }

  /** Ends every stream without a closing event, so clients reconnect (e.g. to another instance). */
  endAll(): void {
    for (const client of this.#clients.values()) client.sink.end();
    this.#clients.clear();
    this.#stopHeartbeat();
  }

  /** Stops listening to the store and ends every stream. */
  dispose(): void {
    this.#unsubscribe();
    this.#unresync?.();
    this.#unclosedChange?.();
    this.endAll();
  }

  #closeClients(headId: string): void {
    this.#closed = true;
    const frame = serializeEvent(flightEvent(headId, FlightEvent.closed));
    for (const client of this.#clients.values()) client.sink.end(frame);
    this.#clients.clear();
    this.#stopHeartbeat();
  }

  async #catchUp(
    client: Client,
    lastEventId: string | undefined,
    beforeFirstWrite: (() => void) | undefined,
  ): Promise<string> {
    // Live events meanwhile go to `client.pending`, written after the catch-up, so waiting for a
    // turn delays this client but never reorders or loses its events.
    await this.#catchUpTurn();
    if (this.#isConnected(client)) beforeFirstWrite?.();
    // `retry:` (and with it the response headers) waits for this turn too: written in the same
    // tick as the replay or snapshot below (when the store answers at once), all of it leaves in
    // one write, corked by Node until the next tick. In a reconnect storm that is one loopback
    // syscall per client instead of two, ≈ 35 µs each (npm run bench:replay).
    this.#write(client, serializeRetry(this.#options.retryMs));
    const replay = lastEventId === undefined ? undefined : await this.#replayAfter(lastEventId);
    if (replay) {
      this.stats.replays++;
      if (replay.text === '') return replay.lastId;
      // One write for the whole replay: a client 500 events behind costs one syscall, not 500.
      if (client.socket && this.#isConnected(client)) {
        this.#writeChunk(client, client.socket, replay.chunk, this.#options.now());
      } else this.#write(client, replay.text);
      return replay.lastId;
    }
    this.stats.snapshots++;
    const { lastEventId: head, flights } = await this.store.state();
    this.#write(client, serializeEvent(flightEvent(head, FlightEvent.snapshot, { flights })));
    return head;
  }

  /**
   * The events after `lastEventId`, joined once for every client asking for them; undefined when
   * the store no longer has them (the client gets a snapshot).
   *
   * Sharing is safe because the cache is emptied on every event: a client served a read began no
   * earlier than the last event sent before it connected, so the read holds every event it missed,
   * and every event sent since it connected is in its `pending` (those the read also holds are
   * skipped by id).
   */
  #replayAfter(lastEventId: string): Promise<JoinedReplay | undefined> {
    let replay = this.#replays.get(lastEventId);
    if (replay === undefined) {
      replay = this.#readReplay(lastEventId);
      if (this.#replays.size >= MAX_CACHED_REPLAYS) {
        const oldest = this.#replays.keys().next().value;
        if (oldest !== undefined) this.#replays.delete(oldest);
      }
      this.#replays.set(lastEventId, replay);
      // A failed read (store down) is not served to later clients: they try again.
      replay.catch(() => {
        if (this.#replays.get(lastEventId) === replay) this.#replays.delete(lastEventId);
      });
    }
    return replay;
  }

  async #readReplay(lastEventId: string): Promise<JoinedReplay | undefined> {
    const events = await this.store.eventsAfter(lastEventId);
    if (events === undefined) return undefined;
    const text = events.map((event) => this.#frame(event)).join('');
    return { lastId: events.at(-1)?.id ?? lastEventId, text, chunk: httpChunk(text) };
  }

  /** Resolves when this catch-up may run: at most CATCH_UPS_PER_TURN per `setImmediate` turn, first come first served. */
  #catchUpTurn(): Promise<void> {
    return new Promise((resolve) => {
      this.#catchUpQueue.push(resolve);
      this.#catchUpDrain ??= setImmediate(() => this.#drainCatchUps());
    });
  }

  #drainCatchUps(): void {
    this.#catchUpDrain = undefined;
    for (const resolve of this.#catchUpQueue.splice(0, CATCH_UPS_PER_TURN)) resolve();
    // The next batch after pending I/O (live publishes) has had its turn.
    if (this.#catchUpQueue.length > 0) this.#catchUpDrain = setImmediate(() => this.#drainCatchUps());
  }

  #broadcast(event: StreamEvent): void {
    // Replays cached so far end before this event: no later client may be served them.
    this.#replays.clear();
    const frame = this.#frame(event);
    const chunk = this.#chunk(event, frame);
    const now = this.#options.now();
    this.stats.eventsSent++;
    for (const client of this.#clients.values()) {
      if (client.pending) client.pending.push(event);
      else if (client.socket) this.#writeChunk(client, client.socket, chunk, now);
      else this.#write(client, frame, now);
    }
  }

  /**
   * The event as one complete HTTP/1.1 chunk (`<size in hex>\r\n<frame>\r\n`), built once and
   * written as is to every chunked socket. Going around `ServerResponse.write` halves the server's
   * CPU per delivery (npm run bench:server): most of the cost was the response object, not the write.
   */
  #chunk(event: StreamEvent, frame: string): Buffer {
    let chunk = this.#chunks.get(event);
    if (chunk === undefined) {
      chunk = httpChunk(frame);
      this.#chunks.set(event, chunk);
    }
    return chunk;
  }

  #frame(event: StreamEvent): string {
    let frame = this.#frames.get(event);
    if (frame === undefined) {
      frame = serializeEvent(event);
      this.#frames.set(event, frame);
    }
    return frame;
  }

  #write(client: Client, text: string, now = this.#options.now()): void {
    if (!this.#isConnected(client)) return; // gone or evicted while its catch-up was in flight
    client.sink.write(text);
    client.lastWriteAt = now;
    this.#evictIfBehind(client, client.sink.writableLength);
  }

  #writeChunk(client: Client, socket: ChunkedSocket, chunk: Buffer, now: number): void {
    // Both paths end in the same socket, in call order (a response write is at most corked
    // until the next tick, and the socket buffers in order), so chunks never overtake text.
    socket.write(chunk);
    client.lastWriteAt = now;
    this.#evictIfBehind(client, socket.writableLength);
  }

  #evictIfBehind(client: Client, unsentBytes: number): void {
    if (unsentBytes <= this.#options.maxBufferedBytes) return;
    this.stats.evictions++;
    this.#forget(client);
    this.#options.onEvict(unsentBytes);
    client.sink.destroy();
  }

  #forget(client: Client): void {
    if (this.#isConnected(client)) this.#clients.delete(client.sink);
    if (this.#clients.size === 0) this.#stopHeartbeat();
  }

  #isConnected(client: Client): boolean {
    return this.#clients.get(client.sink) === client;
  }

  #ensureHeartbeat(): void {
    if (this.#heartbeat) return;
    const { heartbeatMs } = this.#options;
    const comment = serializeComment(HEARTBEAT_COMMENT);
    // One timer for all clients: checking at a quarter of the interval sends each heartbeat
    // between 1× and 1.25× HEARTBEAT_MS of silence, without a timer per connection.
    this.#heartbeat = setInterval(
      () => {
        const now = this.#options.now();
        for (const client of this.#clients.values()) {
          if (!client.pending && now - client.lastWriteAt >= heartbeatMs) this.#write(client, comment);
        }
      },
      Math.max(5, Math.floor(heartbeatMs / 4)),
    );
    this.#heartbeat.unref();
  }

  #stopHeartbeat(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }
}
