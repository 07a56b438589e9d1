import type { Flight, FlightUpdate, StreamEvent } from '../../protocol/protocol.ts';
import { redactedUrl } from '../redact-url.ts';
import { compareStreamIds } from './event-id.ts';
import {
  type BoardState,
  type FlightStore,
  StoreError,
  type UpdatedFlight,
  type WriteOptions,
} from './flight-store.ts';
import { asError } from './redis/as-error.ts';
import { connect, createConnections, disconnect, type RedisConnections } from './redis/connections.ts';
import { ControlStream } from './redis/control-stream.ts';
import { toFlight } from './redis/entries.ts';
import { RedisHistory } from './redis/history.ts';
import { DEFAULT_KEY_PREFIX, type RedisKeys, redisKeys } from './redis/keys.ts';
import { ReaderLoop, readPosition } from './redis/reader-loop.ts';
import { MAX_RECENT_EVENTS, RecentEvents } from './redis/recent-events.ts';
import { runScript, SET_CLOSED, STATE } from './redis/scripts.ts';
import { scrub, secretFreeError, secretsOfUrl } from './redis/secret-free-error.ts';
import { RedisWrites } from './redis/writes.ts';

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]`, as in `REDIS_URL`. */
  url: string;
  /** Events kept for replay; the stream is capped near this (`XADD MAXLEN ~`). */
  historySize: number;
  /** Prefix of the store's keys; the `{…}` hash tag keeps them in one cluster slot. Default `{flight-board}:`. */
  keyPrefix?: string;
  /** How long a read waits for this instance's reader to reach the head it read (ms). Default 5000. */
  catchUpTimeoutMs?: number;
  /** Longest wait between reconnection attempts (ms). Default 2000. */
  maxBackoffMs?: number;
  /** Connection trouble, for logs (never with a secret in it): the store recovers by itself and never throws these at callers. */
  onError?: (error: Error, connection: 'commands' | 'reader') => void;
}

/** Entries the control stream keeps (`MAXLEN ~`): only a reader that was away longer needs the flag instead. */
const CONTROL_CAP = 100;

/**
 * The store for several instances: the board in Redis (a hash per flight and an index), the
 * history in a Redis Stream whose ids are the events' ids. It is made of parts with one job
 * each, in `redis/`: the connections and the start-up checks (`connections.ts`), the writes
 * (`writes.ts`, one Lua script each), paged replays (`history.ts`), the reader loop that fans the
 * stream out to this instance's subscribers (`reader-loop.ts`), the shared closed state
 * (`control-stream.ts`), and the waits for a position both use (`waiters.ts`).
 *
 * Reads wait until the reader has delivered up to the head they saw, so a snapshot or a
 * replay never overlaps with the live events that follow it. When Redis is unreachable, calls
 * fail with `StoreError('unavailable')` (nothing happened), or, for a write sent but not
 * answered in time, `outcome-unknown` (it may still apply).
 *
 * @see https://redis.io/docs/latest/develop/data-types/streams/
 */
export class RedisStore implements FlightStore {
  readonly #connections: RedisConnections;
  readonly #keys: RedisKeys;
  readonly #where: string;
  readonly #secrets: string[];
  readonly #writes: RedisWrites;
  readonly #history: RedisHistory;
  readonly #recent: RecentEvents;
  readonly #control: ControlStream;
  readonly #reader: ReaderLoop;
  #closed = false;

  private constructor(
    connections: RedisConnections,
    options: RedisStoreOptions,
    start: { eventsHead: string; controlHead: string; closed: boolean },
    onError: (error: Error, connection: 'commands' | 'reader') => void,
  ) {
    const catchUpTimeoutMs = options.catchUpTimeoutMs ?? 5000;
    this.#connections = connections;
    this.#keys = redisKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
    this.#where = `Redis at ${redactedUrl(options.url)}`;
    this.#secrets = secretsOfUrl(options.url);
    const call = <T>(run: () => Promise<T>, failure: (error: unknown) => StoreError) =>
      this.#call(run, failure);
    this.#writes = new RedisWrites({
      commands: connections.commands,
      keys: this.#keys,
      // +1: the entry just before the oldest replayable one stays, so a client that saw it replays.
      cap: options.historySize + 1,
      call,
      where: this.#where,
    });
    this.#history = new RedisHistory({
      history: connections.history,
      events: this.#keys.events,
      call,
      unavailable: (error) => this.#unavailable(error),
    });
    this.#recent = new RecentEvents(Math.min(options.historySize, MAX_RECENT_EVENTS), start.eventsHead);
    this.#control = new ControlStream(start, catchUpTimeoutMs, (error) => onError(error, 'reader'));
    this.#reader = new ReaderLoop({
      reader: connections.reader,
      keys: this.#keys,
      control: this.#control,
      start: start.eventsHead,
      catchUpTimeoutMs,
      maxBackoffMs: options.maxBackoffMs ?? 2000,
      where: this.#where,
      onError: (error) => onError(error, 'reader'),
      onDelivered: (event) => this.#recent.push(event),
      onLost: (head) => this.#recent.reset(head),
    });
  }

  /**
   * Connects and starts the reader at the stream's head. Fails with a message naming the URL
   * (never its password) when Redis cannot be reached or used at start.
   */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const secrets = secretsOfUrl(options.url);
    const report = options.onError ?? (() => undefined);
    // Whatever the client attaches to an error (a failed AUTH's arguments), no secret leaves the store.
    const onError = (error: Error, connection: 'commands' | 'reader') =>
      report(secretFreeError(error, secrets), connection);
    const connections = createConnections(options.url, options.maxBackoffMs ?? 2000);
    let start: Awaited<ReturnType<typeof readPosition>>;
    try {
      await connect(connections, onError);
      start = await readPosition(connections.commands, redisKeys(options.keyPrefix), '0-0', '0-0');
    } catch (error) {
      disconnect(connections);
      throw new Error(
        `cannot use Redis at ${redactedUrl(options.url)}: ${scrub(asError(error).message, secrets)}; ` +
          'start redis-server (7.0 or later) or fix REDIS_URL',
      );
    }
    const store = new RedisStore(connections, options, start, onError);
    store.#reader.start();
    return store;
  }

  async state(): Promise<BoardState> {
    const keys = this.#keys;
    const reply = await this.#call(
      () => runScript(this.#connections.commands, STATE, [keys.board, keys.events], [keys.flight]),
      (error) => this.#unavailable(error),
    );
    const [head, hashes] = reply as [string, string[][]];
    const flights = hashes.map(toFlight);
    await this.#reader.caughtUp(head);
    return { lastEventId: head, flights };
  }

  async eventsAfter(lastEventId: string): Promise<StreamEvent[] | undefined> {
    // Delivered here already: served from memory, up to what this instance delivered (the rest
    // reaches the client live).
    // Its own writes first (read-your-writes, as a read from Redis would): a wait, not a command.
    await this.#reader.caughtUp(this.#writes.newestId);
    const recent = this.#recent.after(lastEventId);
    if (recent !== undefined) return recent;
    const events = await this.#history.eventsAfter(lastEventId);
    if (events !== undefined) await this.#reader.caughtUp(events.at(-1)?.id ?? lastEventId);
    return events;
  }

  isAfter(a: string, b: string): boolean {
    return compareStreamIds(a, b) > 0;
  }

  add(flight: Flight, options: WriteOptions = {}): Promise<StreamEvent> {
    return this.#writes.add(flight, options);
  }

  update(update: FlightUpdate, options: WriteOptions = {}): Promise<UpdatedFlight> {
    return this.#writes.update(update, options);
  }

  remove(flight: string, options: WriteOptions = {}): Promise<StreamEvent> {
    return this.#writes.remove(flight, options);
  }

  subscribe(listener: (event: StreamEvent) => void): () => void {
    this.#reader.listeners.add(listener);
    return () => this.#reader.listeners.delete(listener);
  }

  /**
   * Calls `listener` when the stream no longer continues from what this instance delivered
   * (Redis restarted without persistence, or trimmed past the reader while it was away): the
   * caller should end its open streams so their clients reconnect and get a snapshot.
   */
  onResync(listener: () => void): () => void {
    this.#reader.resyncListeners.add(listener);
    return () => this.#reader.resyncListeners.delete(listener);
  }

  /**
   * Closes or reopens the board for every instance: the flag and the notification are written
   * in one script (a control stream, never the events stream, so a close is never replayed), and
   * this settles once this instance's reader has applied the change. Redis unreachable:
   * `unavailable`, nothing changed; recorded but not applied here in time: `outcome-unknown`.
   */
  async setClosed(closed: boolean): Promise<void> {
    const keys = this.#keys;
    const reply = (await this.#call(
      () =>
        runScript(
          this.#connections.commands,
          SET_CLOSED,
          [keys.closed, keys.control, keys.events],
          [closed ? '1' : '0', CONTROL_CAP],
        ),
      (error) => this.#unavailable(error),
    )) as [string, string];
    await this.#control.caughtUp(reply[1], closed, this.#where);
  }

  /** Calls `listener` once per change of the shared closed state, with the id this instance delivered up to. */
  onClosedChange(listener: (closed: boolean, headId: string) => void): () => void {
    return this.#control.onChange(listener);
  }

  /** The closed state as this instance applied it (read from Redis at connect). */
  isClosed(): boolean {
    return this.#control.closed;
  }

  /** The id of the newest event this instance's reader has delivered. */
  get deliveredId(): string {
    return this.#reader.delivered.position;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#control.close();
    await this.#reader.stop();
    const { commands, history } = this.#connections;
    await Promise.all([commands, history].map((c) => c.quit().catch(() => c.disconnect())));
  }

  /** Runs one Redis call; a failure of Redis itself becomes the StoreError `failure` makes of it. */
  async #call<T>(call: () => Promise<T>, failure: (error: unknown) => StoreError): Promise<T> {
    if (this.#closed) throw new StoreError('unavailable', 'the Redis store is closed');
    try {
      return await call();
    } catch (error) {
      if (error instanceof StoreError) throw error;
      const safe = failure(error);
      throw new StoreError(safe.code, scrub(safe.message, this.#secrets));
    }
  }

  #unavailable(error: unknown): StoreError {
    return new StoreError('unavailable', `${this.#where} did not answer (${asError(error).message})`);
  }
}
