import { Redis, type RedisOptions } from 'ioredis';
import {
  FLIGHT_FIELDS,
  type Flight,
  FlightEvent,
  type FlightEventName,
  type FlightUpdate,
  flightEvent,
  type StreamEvent,
} from '../../protocol/protocol.ts';
import { redactedUrl } from '../redact-url.ts';
import { compareStreamIds, isStreamId, ZERO_ID } from './event-id.ts';
import { type BoardState, type FlightStore, StoreError, type UpdatedFlight } from './flight-store.ts';
import {
  EVENTS_AFTER,
  type LuaScript,
  POSITION,
  runScript,
  SET_CLOSED,
  STATE,
  WRITE,
} from './redis/scripts.ts';
import { scrub, secretFreeError, secretsOfUrl } from './redis/secret-free-error.ts';

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
  /** Connection trouble, for logs: the store recovers by itself and never throws these at callers. */
  onError?: (error: Error, connection: 'commands' | 'reader') => void;
}

/** Entries the reader takes per XREAD, and how long one XREAD blocks (ms). */
const READ_COUNT = 500;
const READ_BLOCK_MS = 5000;
/** A write or read that Redis has not answered in this time fails with `unavailable` (ms). */
const COMMAND_TIMEOUT_MS = 2000;
/** Entries the control stream keeps (`MAXLEN ~`): only a reader that was away longer needs the flag instead. */
const CONTROL_CAP = 100;

type RawEntry = [id: string, fields: string[]];

interface Waiter {
  id: string;
  resolve: () => void;
  timer: NodeJS.Timeout;
}

/** A change of the closed state read from the control stream, waiting for the events before it. */
interface ControlChange {
  /** Its control stream id (or the control head, for a state re-read from the flag). */
  id: string;
  closed: boolean;
  /** The events head when it was made; `undefined`: apply at once. */
  head: string | undefined;
}

/**
 * The store for several instances: the board in Redis (a hash per flight and an index), the
 * history in a Redis Stream whose ids are the events' ids. Every write is one Lua script (state change + XADD), so
 * concurrent writers on any instance agree on one order. Each instance runs one reader (a
 * dedicated connection in a blocking XREAD loop) that fans the stream out to its subscribers,
 * so every instance emits the same events, in the same order, with the same ids.
 *
 * Reads wait until the reader has delivered up to the head they saw, so a snapshot or a
 * replay never overlaps with the live events that follow it. When Redis is unreachable,
 * calls fail with `StoreError('unavailable')` and the reader retries with backoff; when it
 * comes back, the reader resumes after its last id, or, if the stream no longer continues
 * from there (Redis restarted without persistence), calls its `onResync` listeners so the
 * open streams can be ended and their clients resync through snapshots.
 *
 * The closed state (`POST /close` … `POST /open`) is shared too: a flag key, and a control
 * stream (never the events stream, so a close is never replayed) that the same reader reads in
 * the same XREAD. Each instance applies a change right after the events written before it, and
 * re-reads the flag when it reconnects after missing changes that are gone from that stream.
 *
 * @see https://redis.io/docs/latest/develop/data-types/streams/
 */
export class RedisStore implements FlightStore {
  readonly #commands: Redis;
  readonly #reader: Redis;
  readonly #keys: {
    board: string;
    counter: string;
    flight: string;
    events: string;
    closed: string;
    control: string;
  };
  readonly #cap: number;
  readonly #where: string;
  readonly #catchUpTimeoutMs: number;
  readonly #maxBackoffMs: number;
  readonly #onError: NonNullable<RedisStoreOptions['onError']>;
  readonly #secrets: string[];
  readonly #listeners = new Set<(event: StreamEvent) => void>();
  readonly #resyncListeners = new Set<() => void>();
  readonly #closedListeners = new Set<(closed: boolean, headId: string) => void>();
  #waiters: Waiter[] = [];
  /** `setClosed` calls waiting for this instance to apply their change. */
  #controlWaiters: Waiter[] = [];
  /** The reader's position: every event up to this id has been handed to the listeners. */
  #lastId = ZERO_ID;
  /** The reader's position in the control stream. */
  #controlId = ZERO_ID;
  /** Changes read but not applied yet: their events head is not delivered yet. */
  #pendingControl: ControlChange[] = [];
  /** The closed state as applied on this instance, and the control id it was applied up to. */
  #closedApplied = false;
  #controlApplied = ZERO_ID;
  #closed = false;
  #loop: Promise<void> = Promise.resolve();
  /** Ends the reader's backoff pause early (on close). */
  #wake: () => void = () => undefined;

  private constructor(commands: Redis, reader: Redis, options: RedisStoreOptions) {
    const prefix = options.keyPrefix ?? '{flight-board}:';
    this.#commands = commands;
    this.#reader = reader;
    this.#keys = {
      board: `${prefix}board`,
      counter: `${prefix}board-seq`,
      flight: `${prefix}flight:`,
      events: `${prefix}events`,
      closed: `${prefix}closed`,
      control: `${prefix}control`,
    };
    // +1: the entry just before the oldest replayable one stays, so a client that saw it replays.
    this.#cap = options.historySize + 1;
    this.#where = `Redis at ${redactedUrl(options.url)}`;
    this.#catchUpTimeoutMs = options.catchUpTimeoutMs ?? 5000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 2000;
    const onError = options.onError ?? (() => undefined);
    this.#secrets = secretsOfUrl(options.url);
    // Whatever the client attaches to an error (a failed AUTH's arguments), no secret leaves the store.
    this.#onError = (error, connection) => onError(secretFreeError(error, this.#secrets), connection);
  }

  /**
   * Connects the command and reader connections and starts the reader at the stream's head.
   * Fails with a message naming the URL when Redis cannot be reached at start.
   */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const base: RedisOptions = {
      lazyConnect: true,
      // A write must fail fast (503) rather than queue while Redis is away.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: (times) => backoff(times, options.maxBackoffMs ?? 2000),
    };
    const commands = new Redis(options.url, {
      ...base,
      connectionName: 'flight-board',
      commandTimeout: COMMAND_TIMEOUT_MS,
    });
    const reader = new Redis(options.url, { ...base, connectionName: 'flight-board-reader' });
    const store = new RedisStore(commands, reader, options);
    let lastError: Error | undefined; // ioredis rejects connect() with a vaguer "Connection is closed."
    commands.on('error', (error: Error) => {
      lastError = error;
      store.#onError(error, 'commands');
    });
    reader.on('error', (error: Error) => store.#onError(error, 'reader'));
    try {
      await Promise.all([commands.connect(), reader.connect()]);
      await store.#requireStreams();
      const position = await store.#position(store.#commands);
      store.#lastId = position.eventsHead;
      store.#controlId = position.controlHead;
      store.#controlApplied = position.controlHead;
      store.#closedApplied = position.closed; // an instance started while the board is closed starts closed
    } catch (error) {
      commands.disconnect();
      reader.disconnect();
      throw new Error(
        `cannot use ${store.#where}: ${scrub(errorText(lastError ?? error), store.#secrets)}; start redis-server (7.0 or later) or fix REDIS_URL`,
      );
    }
    store.#loop = store.#readLoop();
    return store;
  }

  async state(): Promise<BoardState> {
    const reply = await this.#run(STATE, [this.#keys.board, this.#keys.events], [this.#keys.flight]);
    const [head, hashes] = reply as [string, string[][]];
    const flights = hashes.map(toFlight);
    await this.#caughtUp(head);
    return { lastEventId: head, flights };
  }

  async eventsAfter(lastEventId: string): Promise<StreamEvent[] | undefined> {
    if (!isStreamId(lastEventId)) return undefined;
    const reply = (await this.#run(EVENTS_AFTER, [this.#keys.events], [lastEventId])) as [
      string,
      RawEntry[]?,
    ];
    if (reply[0] !== 'ok') return undefined;
    const events = (reply[1] ?? []).map(toStreamEvent);
    await this.#caughtUp(events.at(-1)?.id ?? lastEventId);
    return events;
  }

  isAfter(a: string, b: string): boolean {
    return compareStreamIds(a, b) > 0;
  }

  async add(flight: Flight): Promise<StreamEvent> {
    const data = JSON.stringify(flight);
    const [status, id] = await this.#write('add', flight, FlightEvent.added, data);
    if (status === 'exists') {
      throw new StoreError('exists', `flight ${flight.flight} is already on the board`);
    }
    return this.#issued(status, id, flight.flight, FlightEvent.added, data);
  }

  async update(update: FlightUpdate): Promise<UpdatedFlight> {
    const data = JSON.stringify(update);
    const [status, id, hash] = await this.#write('update', update, FlightEvent.stateUpdate, data);
    const event = this.#issued(status, id, update.flight, FlightEvent.stateUpdate, data);
    return { event, flight: toFlight(hash ?? []) };
  }

  async remove(flight: string): Promise<StreamEvent> {
    const data = JSON.stringify({ flight });
    const [status, id] = await this.#write('remove', { flight }, FlightEvent.removal, data);
    return this.#issued(status, id, flight, FlightEvent.removal, data);
  }

  subscribe(listener: (event: StreamEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Calls `listener` when the stream no longer continues from what this instance delivered
   * (Redis restarted without persistence, or trimmed past the reader while it was away): the
   * caller should end its open streams so their clients reconnect and get a snapshot.
   */
  onResync(listener: () => void): () => void {
    this.#resyncListeners.add(listener);
    return () => this.#resyncListeners.delete(listener);
  }

  /**
   * Closes or reopens the board for every instance: the flag and the notification are written
   * in one script, and this settles once this instance's reader has applied the change (its
   * `onClosedChange` listeners have run). Redis unreachable: `unavailable`, nothing changed.
   */
  async setClosed(closed: boolean): Promise<void> {
    const reply = (await this.#run(
      SET_CLOSED,
      [this.#keys.closed, this.#keys.control, this.#keys.events],
      [closed ? '1' : '0', CONTROL_CAP],
    )) as [string, string];
    await this.#controlCaughtUp(reply[1], closed);
  }

  /** Calls `listener` once per change of the shared closed state, with the id this instance delivered up to. */
  onClosedChange(listener: (closed: boolean, headId: string) => void): () => void {
    this.#closedListeners.add(listener);
    return () => this.#closedListeners.delete(listener);
  }

  /** The closed state as this instance applied it (read from Redis at connect). */
  isClosed(): boolean {
    return this.#closedApplied;
  }

  /** The id of the newest event this instance's reader has delivered. */
  get deliveredId(): string {
    return this.#lastId;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.#resyncListeners.clear();
    this.#closedListeners.clear();
    this.#releaseWaiters();
    for (const waiter of this.#controlWaiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve();
    }
    this.#wake();
    this.#reader.disconnect(); // rejects the blocked XREAD, which ends the loop
    await this.#loop;
    await this.#commands.quit().catch(() => this.#commands.disconnect());
  }

  // ---- writes ---------------------------------------------------------------------------

  async #write(
    op: 'add' | 'update' | 'remove',
    fields: FlightUpdate,
    name: FlightEventName,
    data: string,
  ): Promise<[status: string, id: string | undefined, flight: string[] | undefined]> {
    const keys = [this.#keys.board, this.#keys.counter, this.#keys.flight + fields.flight, this.#keys.events];
    const args: (string | number)[] = [op, fields.flight, this.#cap, name, data];
    if (op !== 'remove') {
      for (const [field, value] of Object.entries(fields)) {
        if (value !== undefined) args.push(field, JSON.stringify(value));
      }
    }
    const reply = (await this.#run(WRITE, keys, args)) as [string, string?, string[]?];
    return [reply[0], reply[1], reply[2]];
  }

  #issued(
    status: string,
    id: string | undefined,
    key: string,
    name: FlightEventName,
    data: string,
  ): StreamEvent {
    if (status === 'not-found') throw new StoreError('not-found', `flight ${key} is not on the board`);
    if (status !== 'ok' || id === undefined) {
      throw new StoreError('unavailable', `${this.#where} answered an unexpected ${status} to a write`);
    }
    return { ...flightEvent(id, name), data };
  }

  // ---- the reader -----------------------------------------------------------------------

  async #readLoop(): Promise<void> {
    let failures = 0;
    let checkContinuity = false;
    while (!this.#closed) {
      try {
        if (checkContinuity) await this.#resume();
        checkContinuity = false;
        // The control stream in the same blocking call: still one reader connection per instance.
        const reply = await this.#reader.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          READ_BLOCK_MS,
          'STREAMS',
          this.#keys.events,
          this.#keys.control,
          this.#lastId,
          this.#controlId,
        );
        failures = 0;
        // Control first: a change waits in #pendingControl until the events before it are delivered.
        const streams = reply ?? [];
        for (const [key, entries] of streams) {
          if (key === this.#keys.control) this.#queueControl(entries as RawEntry[]);
        }
        for (const [key, entries] of streams) {
          if (key === this.#keys.events) this.#deliver(entries as RawEntry[]);
        }
        this.#drainControl();
      } catch (error) {
        if (this.#closed) return;
        checkContinuity = true;
        failures++;
        if (failures === 1) this.#onError(asError(error), 'reader');
        await this.#pause(backoff(failures, this.#maxBackoffMs));
      }
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /**
   * After a lost connection: go on from the last ids if both streams still continue from them.
   * If the events stream does not, resync; if the control stream does not (changes were missed
   * and are gone), apply the closed state the flag holds now.
   */
  async #resume(): Promise<void> {
    const position = await this.#position(this.#reader);
    if (!position.controlContinues) {
      this.#controlId = position.controlHead;
      this.#pendingControl = [{ id: position.controlHead, closed: position.closed, head: undefined }];
    }
    if (position.eventsContinue) {
      this.#drainControl();
      return;
    }
    const head = position.eventsHead;
    this.#onError(
      new Error(
        `the stream in ${this.#where} no longer continues from event ${this.#lastId} (restarted without persistence?); ` +
          `resyncing clients from ${head}`,
      ),
      'reader',
    );
    this.#lastId = head;
    this.#releaseWaiters();
    // The heads in pending changes belong to the lost stream: nothing more to wait for.
    this.#drainControl(true);
    for (const listener of this.#resyncListeners) listener();
  }

  #queueControl(entries: RawEntry[]): void {
    for (const [id, fields] of entries) {
      const values: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) values[fields[i] as string] = fields[i + 1] as string;
      this.#controlId = id;
      this.#pendingControl.push({ id, closed: values.closed === '1', head: values.head });
    }
  }

  /**
   * Applies the pending changes whose events have all been delivered (all of them when
   * `force`), in order; only a real change reaches the listeners, so a repeated close never
   * sends a second `closedConnection`.
   */
  #drainControl(force = false): void {
    while (this.#pendingControl.length > 0) {
      const next = this.#pendingControl[0] as ControlChange;
      if (!force && next.head !== undefined && compareStreamIds(next.head, this.#lastId) > 0) break;
      this.#pendingControl.shift();
      this.#controlApplied = next.id;
      if (next.closed === this.#closedApplied) continue;
      this.#closedApplied = next.closed;
      for (const listener of this.#closedListeners) {
        try {
          listener(next.closed, this.#lastId);
        } catch (error) {
          this.#onError(asError(error), 'reader');
        }
      }
    }
    this.#controlWaiters = this.#controlWaiters.filter((waiter) => {
      if (compareStreamIds(waiter.id, this.#controlApplied) > 0) return true;
      clearTimeout(waiter.timer);
      waiter.resolve();
      return false;
    });
  }

  /** Settles once this instance has applied control entry `id` (its own `setClosed`). */
  #controlCaughtUp(id: string, closed: boolean): Promise<void> {
    if (compareStreamIds(id, this.#controlApplied) <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        id,
        resolve,
        timer: setTimeout(() => {
          this.#controlWaiters = this.#controlWaiters.filter((w) => w !== waiter);
          reject(
            new StoreError(
              'unavailable',
              `${closed ? 'the close' : 'the open'} is recorded in ${this.#where}, but this instance ` +
                `has not applied it within ${this.#catchUpTimeoutMs} ms`,
            ),
          );
        }, this.#catchUpTimeoutMs),
      };
      this.#controlWaiters.push(waiter);
    });
  }

  #deliver(entries: RawEntry[]): void {
    for (const entry of entries) {
      const event = toStreamEvent(entry);
      this.#lastId = event.id;
      for (const listener of this.#listeners) {
        try {
          listener(event);
        } catch (error) {
          // One failing subscriber must not cost the others this event, nor stall the reader.
          this.#onError(asError(error), 'reader');
        }
      }
      // A close made right after this event applies now, before the events written after it.
      if (this.#pendingControl.length > 0) this.#drainControl();
    }
    this.#waiters = this.#waiters.filter((waiter) => {
      if (compareStreamIds(waiter.id, this.#lastId) > 0) return true;
      clearTimeout(waiter.timer);
      waiter.resolve();
      return false;
    });
  }

  /** Settles once the reader has delivered `id`, so live events up to it reach a catching-up client first. */
  #caughtUp(id: string): Promise<void> {
    if (compareStreamIds(id, this.#lastId) <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        id,
        resolve,
        timer: setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(
            new StoreError(
              'unavailable',
              `this instance has not received event ${id} from ${this.#where} within ${this.#catchUpTimeoutMs} ms`,
            ),
          );
        }, this.#catchUpTimeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  #releaseWaiters(): void {
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve();
    }
    this.#waiters = [];
  }

  // ---- commands -------------------------------------------------------------------------

  /** Both streams' heads and the closed flag, read together, and whether the reader's ids still continue. */
  async #position(connection: Redis): Promise<{
    eventsContinue: boolean;
    eventsHead: string;
    controlContinues: boolean;
    controlHead: string;
    closed: boolean;
  }> {
    const reply = await runScript(
      connection,
      POSITION,
      [this.#keys.events, this.#keys.control, this.#keys.closed],
      [this.#lastId, this.#controlId],
    );
    const [eventsContinue, eventsHead, controlContinues, controlHead, closed] = reply as [
      number,
      string,
      number,
      string,
      number,
    ];
    return {
      eventsContinue: eventsContinue === 1,
      eventsHead,
      controlContinues: controlContinues === 1,
      controlHead,
      closed: closed === 1,
    };
  }

  /** The store needs Redis 7.0 (XINFO STREAM entries-added, exclusive XRANGE). */
  async #requireStreams(): Promise<void> {
    const info = await this.#commands.info('server');
    const version = /redis_version:(\d+)\./.exec(info)?.[1];
    if (version !== undefined && Number(version) < 7) {
      throw new Error(`it runs Redis ${version}, and the Redis store needs 7.0 or later`);
    }
  }

  #run(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    return this.#call(() => runScript(this.#commands, script, keys, args));
  }

  /** Runs one Redis call; any failure of Redis itself becomes `StoreError('unavailable')`. */
  async #call<T>(call: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreError('unavailable', 'the Redis store is closed');
    try {
      return await call();
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError(
        'unavailable',
        `${this.#where} did not answer (${scrub(errorText(error), this.#secrets)})`,
      );
    }
  }
}

/** A flight from its hash: the known fields first, in protocol order, then the others as stored. */
function toFlight(hash: string[]): Flight {
  const fields: Record<string, unknown> = {};
  for (const name of FLIGHT_FIELDS) fields[name] = '';
  for (let i = 0; i + 1 < hash.length; i += 2) fields[hash[i] as string] = JSON.parse(hash[i + 1] as string);
  return fields as Flight;
}

function toStreamEvent([id, fields]: RawEntry): StreamEvent {
  const values: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) values[fields[i] as string] = fields[i + 1] as string;
  return { id, event: values.event ?? FlightEvent.message, data: values.data ?? '' };
}

/** Exponential backoff from 100 ms, capped, with up to 20 % jitter so instances do not reconnect in step. */
function backoff(attempt: number, maxMs: number): number {
  const delay = Math.min(100 * 2 ** Math.min(attempt - 1, 10), maxMs);
  return Math.round(delay * (1 + Math.random() * 0.2));
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function errorText(error: unknown): string {
  return asError(error).message;
}
