import type { Redis } from 'ioredis';
import type { StreamEvent } from '../../../protocol/protocol.ts';
import { StoreError } from '../flight-store.ts';
import { asError } from './as-error.ts';
import { backoff } from './backoff.ts';
import type { ControlStream } from './control-stream.ts';
import { type RawEntry, toStreamEvent } from './entries.ts';
import type { RedisKeys } from './keys.ts';
import { POSITION, runScript } from './scripts.ts';
import { PositionWaiters } from './waiters.ts';

/** Entries the reader takes per XREAD, and how long one XREAD blocks (ms). */
const READ_COUNT = 500;
const READ_BLOCK_MS = 5000;

/** Where a reader starts or resumes: both streams' heads, the closed flag, and whether its ids still continue. */
export interface ReaderPosition {
  eventsContinue: boolean;
  eventsHead: string;
  controlContinues: boolean;
  controlHead: string;
  closed: boolean;
}

/** Both streams' heads and the closed flag, read together, and whether `eventsId`/`controlId` still continue. */
export async function readPosition(
  connection: Redis,
  keys: RedisKeys,
  eventsId: string,
  controlId: string,
): Promise<ReaderPosition> {
  const reply = await runScript(
    connection,
    POSITION,
    [keys.events, keys.control, keys.closed],
    [eventsId, controlId],
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

export interface ReaderLoopOptions {
  reader: Redis;
  keys: RedisKeys;
  control: ControlStream;
  /** Where the reader starts: the events head when the store connected. */
  start: string;
  catchUpTimeoutMs: number;
  maxBackoffMs: number;
  where: string;
  onError: (error: Error) => void;
  /** Every event, as it is delivered, before the subscribers get it. */
  onDelivered: (event: StreamEvent) => void;
  /** The stream no longer continues: `head` is where it now starts, before the resync listeners run. */
  onLost: (head: string) => void;
}

/**
 * This instance's one reader: a dedicated connection in a blocking XREAD loop over the events
 * and control streams, which hands every event to the subscribers in stream order and applies
 * each closed-state change right after the events written before it. When the connection is
 * lost it retries with backoff, then goes on from its last id, or, when the stream no longer
 * continues from there (Redis restarted without persistence), calls the resync listeners.
 */
export class ReaderLoop {
  readonly #options: ReaderLoopOptions;
  readonly listeners = new Set<(event: StreamEvent) => void>();
  readonly resyncListeners = new Set<() => void>();
  /** Position: every event up to it has been handed to the listeners; reads wait here. */
  readonly delivered: PositionWaiters;
  #stopped = false;
  #loop: Promise<void> = Promise.resolve();
  /** Ends the backoff pause early (on stop). */
  #wake: () => void = () => undefined;

  constructor(options: ReaderLoopOptions) {
    this.#options = options;
    this.delivered = new PositionWaiters(options.start, options.catchUpTimeoutMs);
  }

  start(): void {
    this.#loop = this.#run();
  }

  /** Settles once the reader has delivered `id`, so live events up to it reach a catching-up client first. */
  caughtUp(id: string): Promise<void> {
    return this.delivered.reach(
      id,
      () =>
        new StoreError(
          'unavailable',
          `this instance has not received event ${id} from ${this.#options.where} within ${this.delivered.timeoutMs} ms`,
        ),
    );
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.listeners.clear();
    this.resyncListeners.clear();
    this.delivered.releaseAll();
    this.#wake();
    this.#options.reader.disconnect(); // rejects the blocked XREAD, which ends the loop
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { reader, keys, control } = this.#options;
    let failures = 0;
    let checkContinuity = false;
    while (!this.#stopped) {
      try {
        if (checkContinuity) await this.#resume();
        checkContinuity = false;
        // The control stream in the same blocking call: still one reader connection per instance.
        const reply = await reader.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          READ_BLOCK_MS,
          'STREAMS',
          keys.events,
          keys.control,
          this.delivered.position,
          control.readId,
        );
        failures = 0;
        // Control first: a change waits in the control stream until the events before it are delivered.
        const streams = reply ?? [];
        for (const [key, entries] of streams) if (key === keys.control) control.queue(entries as RawEntry[]);
        for (const [key, entries] of streams) if (key === keys.events) this.#deliver(entries as RawEntry[]);
        control.drain(this.delivered.position);
      } catch (error) {
        if (this.#stopped) return;
        checkContinuity = true;
        failures++;
        if (failures === 1) this.#options.onError(asError(error));
        await this.#pause(backoff(failures, this.#options.maxBackoffMs));
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
    const { reader, keys, control, where } = this.#options;
    const from = this.delivered.position;
    const position = await readPosition(reader, keys, from, control.readId);
    if (!position.controlContinues) control.restart(position.controlHead, position.closed);
    if (position.eventsContinue) {
      control.drain(from);
      return;
    }
    this.#options.onError(
      new Error(
        `the stream in ${where} no longer continues from event ${from} (restarted without persistence?); ` +
          `resyncing clients from ${position.eventsHead}`,
      ),
    );
    this.delivered.releaseAll(position.eventsHead);
    this.#options.onLost(position.eventsHead);
    // The heads in pending changes belong to the lost stream: nothing more to wait for.
    control.drain(position.eventsHead, true);
    for (const listener of this.resyncListeners) listener();
  }

  #deliver(entries: readonly RawEntry[]): void {
    const { control } = this.#options;
    let last: string | undefined;
    for (const entry of entries) {
      const event = toStreamEvent(entry);
      last = event.id;
      this.#options.onDelivered(event);
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch (error) {
          // One failing subscriber must not cost the others this event, nor stall the reader.
          this.#options.onError(asError(error));
        }
      }
      // A close made right after this event applies now, before the events written after it.
      if (control.hasPending) control.drain(event.id);
    }
    // Once per batch: the reads waiting for these events are released after all were handed on.
    if (last !== undefined) this.delivered.advance(last);
  }
}
