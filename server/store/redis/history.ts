import type { Redis } from 'ioredis';
import type { StreamEvent } from '../../../protocol/protocol.ts';
import { isStreamId } from '../event-id.ts';
import type { StoreError } from '../flight-store.ts';
import { ConcurrencyLimit } from './concurrency-limit.ts';
import { type RawEntry, toStreamEvent } from './entries.ts';
import { EVENTS_PAGE, runScript } from './scripts.ts';

/** Entries read per call: one page holds Redis briefly, whatever the history size. */
export const REPLAY_PAGE_SIZE = 500;
/** Replays reading at once per instance; the others wait their turn in this process, not in Redis. */
export const CONCURRENT_REPLAYS = 4;

export interface RedisHistoryContext {
  /** The connection replays read on (not the one writes go through). */
  history: Redis;
  events: string;
  call<T>(call: () => Promise<T>, failure: (error: unknown) => StoreError): Promise<T>;
  unavailable(error: unknown): StoreError;
}

/**
 * Reads the events after a `Last-Event-ID`, page by page, a few replays at a time: a reconnect
 * storm from many distinct ids costs Redis many short calls in turn, never one unbounded XRANGE
 * per client at once (which timed out commands and delayed writes). Clients resuming from the
 * same id share one read already (the hub's replay cache).
 */
export class RedisHistory {
  readonly #limit = new ConcurrencyLimit(CONCURRENT_REPLAYS);

  constructor(readonly context: RedisHistoryContext) {}

  /** Every event after `lastEventId`, or `undefined` when it is malformed, unknown or trimmed (even mid-read). */
  eventsAfter(lastEventId: string): Promise<StreamEvent[] | undefined> {
    if (!isStreamId(lastEventId)) return Promise.resolve(undefined);
    return this.#limit.run(() => this.#read(lastEventId));
  }

  async #read(lastEventId: string): Promise<StreamEvent[] | undefined> {
    const events: StreamEvent[] = [];
    let from = lastEventId;
    for (;;) {
      const page = await this.#page(from);
      // Trimmed past `from` since the page before: the rest is gone, a snapshot is due.
      if (page === undefined) return undefined;
      for (const entry of page) events.push(toStreamEvent(entry));
      if (page.length < REPLAY_PAGE_SIZE) return events;
      from = events.at(-1)?.id ?? from;
    }
  }

  async #page(from: string): Promise<RawEntry[] | undefined> {
    const { history, events } = this.context;
    const reply = (await this.context.call(
      () => runScript(history, EVENTS_PAGE, [events], [from, REPLAY_PAGE_SIZE]),
      (error) => this.context.unavailable(error),
    )) as [string, RawEntry[]?];
    return reply[0] === 'ok' ? (reply[1] ?? []) : undefined;
  }
}
