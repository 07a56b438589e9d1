import {
  FlightEvent,
  flightEvent,
  HEARTBEAT_COMMENT,
  type StreamEvent,
  serializeComment,
  serializeEvent,
  serializeRetry,
} from '../../protocol/protocol.ts';
import type { FlightStore } from '../store/flight-store.ts';
import { CatchUpQueue } from './catch-up-queue.ts';
import { Frame } from './frame.ts';
import { type Replay, ReplayCache } from './replay-cache.ts';
import { runBytes, runsOf } from './runs.ts';
import type { StreamTransport } from './stream-transport.ts';

export {
  CATCH_UP_BYTES_PER_TURN,
  CATCH_UPS_PER_TURN,
  MAX_WRITING_CATCH_UPS,
} from './catch-up-queue.ts';
export { RUN_BYTES } from './runs.ts';
export type { StreamTransport } from './stream-transport.ts';

export interface EventHubOptions {
  /** `retry:` sent at the start of every stream (ms). */
  retryMs: number;
  /** Silence after which a client gets a `: keep-alive` comment (ms). */
  heartbeatMs: number;
  /**
   * Unsent bytes a client may accumulate before it is disconnected to resync later: written
   * and not yet read, or held for it while its catch-up is written. Its catch-up itself is
   * never counted, however large.
   */
  maxBufferedBytes: number;
  /** Injectable clock, for tests. */
  now?: () => number;
  /** Called when a slow client is dropped, with the bytes it left unsent (for logs). */
  onEvict?: (unsentBytes: number) => void;
}

interface Client {
  /** What the client is known by: its response, or the transport itself. */
  owner: object;
  transport: StreamTransport;
  /** Live events that arrived while the client's replay or snapshot was being written. */
  pending: StreamEvent[] | undefined;
  /** Their bytes: what piles up behind a catch-up, which counts towards eviction. */
  pendingBytes: number;
  lastWriteAt: number;
}

/**
 * Fans the store's events out to every open stream. Each event is serialised once, as one
 * frame, and the same frame handed to every client's transport; a client that falls too far
 * behind is dropped (it reconnects with its Last-Event-ID and resyncs) so memory stays bounded.
 */
export class EventHub {
  /** By owner (the response): a stream's close listener finds its client without a closure of its own. */
  readonly #clients = new Map<object, Client>();
  readonly #frames = new WeakMap<StreamEvent, Frame>();
  /**
   * Replays by the `Last-Event-ID` they resume from (a reconnect storm reads each distinct
   * history once; `npm run bench:replay` measures it). Emptied on every new event and on resync: see `#replayAfter`.
   */
  readonly #replays = new ReplayCache();
  /**
   * The snapshot being read, or read since the last event: a storm of new clients (every client
   * after a restart in memory mode, whose ids are of another epoch) reads and serialises the
   * board once between two events, not once per client. Emptied like `#replays`.
   */
  readonly #snapshot = new ReplayCache<{ head: string; frame: Frame }>();
  readonly #catchUps = new CatchUpQueue();
  readonly #retry: Frame;
  readonly #heartbeatFrame = new Frame(serializeComment(HEARTBEAT_COMMENT));
  readonly #options: Required<EventHubOptions>;
  readonly #unsubscribe: () => void;
  readonly #unresync: () => void;
  readonly #unclosedChange: () => void;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;
  /** Counters for /health and /metrics. */
  readonly stats = { eventsSent: 0, replays: 0, snapshots: 0, evictions: 0 };
  /**
   * A `close` listener for every stream's owner, e.g. `res.on('close', hub.closeListener)`: one
   * function for all, where a closure per stream would be held for the life of each.
   */
  readonly closeListener: (this: object) => void;

  constructor(
    readonly store: FlightStore,
    options: EventHubOptions,
  ) {
    this.#options = { now: Date.now, onEvict: () => undefined, ...options };
    this.#retry = new Frame(serializeRetry(this.#options.retryMs));
    const hub = this;
    this.closeListener = function (this: object) {
      hub.disconnect(this);
    };
    this.#unsubscribe = store.subscribe((event) => this.#broadcast(event));
    // A store that lost its history (Redis restarted empty) asks clients to resync: ending
    // their streams makes them reconnect with an id the store no longer knows, so each
    // gets a fresh snapshot instead of keeping a board that no longer matches.
    this.#unresync = store.onResync(() => {
      // Ids may be reused by the emptied store: a cached replay could then be a different one.
      this.#replays.clear();
      this.#snapshot.clear();
      this.endAll();
    });
    // The store keeps the closed state (in Redis, for every instance): this hub starts in it
    // and follows its changes, whichever instance received the `/close` or `/open`.
    this.#closed = store.isClosed();
    this.#unclosedChange = store.onClosedChange((closed, headId) => {
      if (closed) this.#closeClients(headId);
      else this.#closed = false;
    });
  }

  /** Number of open streams. */
  get clientCount(): number {
    return this.#clients.size;
  }

  /**
   * Starts a stream on `transport`: `retry:`, then either the events after `lastEventId` (when
   * the store still has them) or a snapshot, then live events with nothing lost or repeated in
   * between. Call `disconnect(owner)` when the client goes away (for a Node response given as
   * `owner`: listen to its `close` with `closeListener`); `ready` settles once it is live.
   */
  connect(
    transport: StreamTransport,
    lastEventId?: string,
    owner: object = transport,
  ): { ready: Promise<void> } {
    const now = this.#options.now();
    const client: Client = { owner, transport, pending: [], pendingBytes: 0, lastWriteAt: now };
    this.#clients.set(owner, client);
    this.#ensureHeartbeat();
    const ready = this.#catchUp(client, lastEventId).then((sentUpTo) => {
      const pending = client.pending ?? [];
      client.pending = undefined;
      // Still the catch-up: events that arrived while it was read are part of it.
      for (const event of pending) {
        if (this.store.isAfter(event.id, sentUpTo)) this.#write(client, this.#frame(event));
      }
    });
    return { ready };
  }

  /** Forgets the client of `owner` (given to `connect`), if any: it is written nothing more. */
  disconnect(owner: object): void {
    const client = this.#clients.get(owner);
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
   * Accepts streams again after `closeAll()`. The change goes through the store (in Redis, to
   * every instance) and comes back to each hub, this one included, as a notification; it
   * settles once this hub has applied it.
   */
  async reopen(): Promise<void> {
    await this.store.setClosed(false);
  }

  /**
   * Sends `closedConnection` to every client, ends their streams, and refuses new ones until
   * `reopen()`; through the store, like `reopen`. If the store is down it fails and nothing has
   * changed.
   */
  async closeAll(): Promise<void> {
    // Not closing here as well: the notification does it, once, on every instance.
    await this.store.setClosed(true);
  }

  /** Ends every stream without a closing event, so clients reconnect (e.g. to another instance). */
  endAll(): void {
    for (const client of this.#clients.values()) client.transport.end();
    this.#clients.clear();
    this.#stopHeartbeat();
  }

  /** Stops listening to the store and ends every stream. */
  dispose(): void {
    this.#unsubscribe();
    this.#unresync();
    this.#unclosedChange();
    this.endAll();
  }

  #closeClients(headId: string): void {
    this.#closed = true;
    const frame = new Frame(serializeEvent(flightEvent(headId, FlightEvent.closed)));
    for (const client of this.#clients.values()) client.transport.end(frame);
    this.#clients.clear();
    this.#stopHeartbeat();
  }

  async #catchUp(client: Client, lastEventId: string | undefined): Promise<string> {
    // Live events meanwhile go to `client.pending`, written after the catch-up, so waiting for a
    // turn delays this client but never reorders or loses its events.
    await this.#catchUps.turn();
    if (!this.#isConnected(client)) return lastEventId ?? '';
    // `retry:` (and with it the response head) waits for this turn too. Written in the same
    // tick as the first run of the replay or snapshot (when the store answers at once and the
    // turn has room for the run), all of it leaves in one write: one syscall per client.
    client.transport.start();
    this.#write(client, this.#retry);
    const replay = lastEventId === undefined ? undefined : await this.#replayAfter(lastEventId);
    if (replay) {
      this.stats.replays++;
      await this.#writeRuns(client, replay.runs);
      return replay.lastId;
    }
    this.stats.snapshots++;
    const { head, frame } = await this.#snapshotNow();
    await this.#writeRuns(client, [[frame]]);
    return head;
  }

  /** The board as a `flightSnapshot` frame, shared by every client asking before the next event (see `#replayAfter`). */
  #snapshotNow(): Promise<{ head: string; frame: Frame }> {
    return this.#snapshot.get('', async () => {
      const { lastEventId: head, flights } = await this.store.state();
      return { head, frame: new Frame(serializeEvent(flightEvent(head, FlightEvent.snapshot, { flights }))) };
    });
  }

  /**
   * Writes a catch-up a run at a time, each when the queue gives it room and after the previous
   * one has left for the client: a live event waits behind a turn's worth of runs at most, a
   * client that does not read is handed one run, and one that leaves is written nothing more.
   */
  async #writeRuns(client: Client, runs: readonly (readonly Frame[])[]): Promise<void> {
    for (const run of runs) {
      await this.#catchUps.room(runBytes(run));
      if (!this.#isConnected(client)) return;
      client.lastWriteAt = this.#options.now();
      await new Promise<void>((flushed) => client.transport.writeRun(run, flushed));
    }
  }

  /**
   * The events after `lastEventId`, read once for every client asking for them; undefined when
   * the store no longer has them (the client gets a snapshot).
   *
   * Sharing is safe because the cache is emptied on every event: a client served a read began no
   * earlier than the last event sent before it connected, so the read holds every event it missed,
   * and every event sent since it connected is in its `pending` (those the read also holds are
   * skipped by id).
   */
  #replayAfter(lastEventId: string): Promise<Replay | undefined> {
    return this.#replays.get(lastEventId, (id) => this.#readReplay(id));
  }

  async #readReplay(lastEventId: string): Promise<Replay | undefined> {
    const events = await this.store.eventsAfter(lastEventId);
    if (events === undefined) return undefined;
    const frames = events.map((event) => this.#frame(event));
    return { lastId: events.at(-1)?.id ?? lastEventId, runs: runsOf(frames) };
  }

  #broadcast(event: StreamEvent): void {
    // Replays and the snapshot cached so far end before this event: no later client may be served them.
    this.#replays.clear();
    this.#snapshot.clear();
    const frame = this.#frame(event);
    const now = this.#options.now();
    this.stats.eventsSent++;
    for (const client of this.#clients.values()) {
      if (client.pending) this.#hold(client, event, frame);
      else this.#write(client, frame, now);
    }
  }

  /** Keeps a live event for a client whose catch-up is being written, unless too much piles up. */
  #hold(client: Client, event: StreamEvent, frame: Frame): void {
    client.pending?.push(event); // defined: only a client in its catch-up is held for
    client.pendingBytes += frame.bytes.length;
    if (client.pendingBytes > this.#options.maxBufferedBytes) {
      this.#evict(client, client.transport.unsentBytes + client.pendingBytes);
    }
  }

  #frame(event: StreamEvent): Frame {
    let frame = this.#frames.get(event);
    if (frame === undefined) {
      frame = new Frame(serializeEvent(event));
      this.#frames.set(event, frame);
    }
    return frame;
  }

  #write(client: Client, frame: Frame, now = this.#options.now()): void {
    if (!this.#isConnected(client)) return; // gone or evicted while its catch-up was in flight
    client.transport.write(frame);
    client.lastWriteAt = now;
    const unsent = client.transport.unsentBytes;
    if (unsent > this.#options.maxBufferedBytes) this.#evict(client, unsent);
  }

  #evict(client: Client, unsentBytes: number): void {
    this.stats.evictions++;
    this.#forget(client);
    this.#options.onEvict(unsentBytes);
    client.transport.destroy();
  }

  #forget(client: Client): void {
    if (this.#isConnected(client)) this.#clients.delete(client.owner);
    if (this.#clients.size === 0) this.#stopHeartbeat();
  }

  #isConnected(client: Client): boolean {
    return this.#clients.get(client.owner) === client;
  }

  #ensureHeartbeat(): void {
    if (this.#heartbeat) return;
    const { heartbeatMs } = this.#options;
    // One timer for all clients: checking at a quarter of the interval sends each heartbeat
    // between 1× and 1.25× HEARTBEAT_MS of silence, without a timer per connection.
    this.#heartbeat = setInterval(
      () => {
        const now = this.#options.now();
        for (const client of this.#clients.values()) {
          if (!client.pending && now - client.lastWriteAt >= heartbeatMs) {
            this.#write(client, this.#heartbeatFrame, now);
          }
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
