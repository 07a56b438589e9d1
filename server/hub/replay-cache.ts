import type { Frame } from './frame.ts';

/** A replay read once: every event after a `Last-Event-ID`, as its frames in runs. */
export interface Replay {
  /** Id of its last event; the `Last-Event-ID` it resumes from when it is empty. */
  lastId: string;
  /** The events' frames, in runs (see runs.ts); none when the client is already up to date. */
  runs: readonly (readonly Frame[])[];
}

/**
 * Replays kept at once (one per distinct `Last-Event-ID` resumed from since the last
 * event): when more are asked for, the oldest is dropped, so memory stays bounded whatever ids
 * clients send.
 */
export const MAX_CACHED_REPLAYS = 16;

/**
 * Replays (read or being read) by the `Last-Event-ID` they resume from: clients resuming from the
 * same id share one read of the history and its frames. The owner empties it on every new event
 * and on resync, so a client is only ever served a read that began after the last event it did
 * not get live. The hub keeps its snapshot in one too, under one key.
 */
export class ReplayCache<T = Replay | undefined> {
  readonly #replays = new Map<string, Promise<T>>();

  /** The replay after `lastEventId`: the one being read or kept, else `read(lastEventId)`'s. */
  get(lastEventId: string, read: (lastEventId: string) => Promise<T>): Promise<T> {
    let replay = this.#replays.get(lastEventId);
    if (replay !== undefined) return replay;
    replay = read(lastEventId);
    if (this.#replays.size >= MAX_CACHED_REPLAYS) {
      const oldest = this.#replays.keys().next().value;
      if (oldest !== undefined) this.#replays.delete(oldest);
    }
    this.#replays.set(lastEventId, replay);
    // A failed read (store down) is not served to later clients: they try again.
    const kept = replay;
    kept.catch(() => {
      if (this.#replays.get(lastEventId) === kept) this.#replays.delete(lastEventId);
    });
    return replay;
  }

  /** Forgets every replay: none may be served to a client that connects from now on. */
  clear(): void {
    this.#replays.clear();
  }
}
