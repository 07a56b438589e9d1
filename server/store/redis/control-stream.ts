import { compareStreamIds, ZERO_ID } from '../event-id.ts';
import { StoreError } from '../flight-store.ts';
import { asError } from './as-error.ts';
import { fieldsOf, type RawEntry } from './entries.ts';
import { PositionWaiters } from './waiters.ts';

/** A change of the closed state read from the control stream, waiting for the events before it. */
interface ControlChange {
  /** Its control stream id (or the control head, for a state re-read from the flag). */
  id: string;
  closed: boolean;
  /** The events head when it was made; `undefined`: apply at once. */
  head: string | undefined;
}

/**
 * This instance's view of the shared closed state (`POST /close` … `POST /open`): the changes
 * read from the control stream, each applied right after the events written before it, and the
 * `setClosed` calls waiting for their own change to be applied here.
 */
export class ControlStream {
  readonly #listeners = new Set<(closed: boolean, headId: string) => void>();
  /** Changes read but not applied yet: their events head is not delivered yet. */
  #pending: ControlChange[] = [];
  /** The reader's position in the control stream (read, maybe not applied). */
  #readId: string;
  #closed: boolean;
  /** Position: the control id applied up to; `setClosed` waits here. */
  readonly applied: PositionWaiters;

  constructor(
    start: { controlHead: string; closed: boolean },
    timeoutMs: number,
    readonly onError: (error: Error) => void,
  ) {
    this.#readId = start.controlHead;
    this.#closed = start.closed; // an instance started while the board is closed starts closed
    this.applied = new PositionWaiters(start.controlHead, timeoutMs);
  }

  /** The control stream id the reader goes on from. */
  get readId(): string {
    return this.#readId;
  }

  get closed(): boolean {
    return this.#closed;
  }

  onChange(listener: (closed: boolean, headId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Entries the reader read, queued until the events before each are delivered. */
  queue(entries: readonly RawEntry[]): void {
    for (const [id, fields] of entries) {
      const values = fieldsOf(fields);
      this.#readId = id;
      this.#pending.push({ id, closed: values.closed === '1', head: values.head });
    }
  }

  /** Changes were missed and are gone from the stream: apply the state the flag holds now. */
  restart(controlHead: string, closed: boolean): void {
    this.#readId = controlHead;
    this.#pending = [{ id: controlHead, closed, head: undefined }];
  }

  get hasPending(): boolean {
    return this.#pending.length > 0;
  }

  /**
   * Applies the pending changes whose events up to `delivered` have all been delivered (all of
   * them when `force`), in order; only a real change reaches the listeners, so a repeated close
   * never sends a second `closedConnection`.
   */
  drain(delivered: string, force = false): void {
    let appliedId: string | undefined;
    while (this.#pending.length > 0) {
      const next = this.#pending[0] as ControlChange;
      if (!force && next.head !== undefined && compareStreamIds(next.head, delivered) > 0) break;
      this.#pending.shift();
      appliedId = next.id;
      if (next.closed === this.#closed) continue;
      this.#closed = next.closed;
      for (const listener of this.#listeners) {
        try {
          listener(next.closed, delivered);
        } catch (error) {
          this.onError(asError(error));
        }
      }
    }
    if (appliedId !== undefined) this.applied.advance(appliedId);
  }

  /** Settles once this instance has applied control entry `id` (its own `setClosed`). */
  caughtUp(id: string, closed: boolean, where: string): Promise<void> {
    if (id === ZERO_ID) return Promise.resolve();
    return this.applied.reach(
      id,
      () =>
        // Recorded in Redis, not yet applied here: it will be, so "nothing changed" would be false.
        new StoreError(
          'outcome-unknown',
          `${closed ? 'the close' : 'the open'} is recorded in ${where}, but this instance has not ` +
            `applied it within ${this.applied.timeoutMs} ms`,
        ),
    );
  }

  close(): void {
    this.#listeners.clear();
    this.applied.releaseAll();
  }
}
