import type { Redis } from 'ioredis';
import { ReplyError } from 'ioredis';
import {
  type Flight,
  FlightEvent,
  type FlightEventName,
  type FlightUpdate,
  flightEvent,
  type StreamEvent,
} from '../../../protocol/protocol.ts';
import { compareStreamIds } from '../event-id.ts';
import { IDEMPOTENCY_TTL_MS, StoreError, type UpdatedFlight, type WriteOptions } from '../flight-store.ts';
import { keyReused } from '../idempotency-log.ts';
import { toFlight } from './entries.ts';
import type { RedisKeys } from './keys.ts';
import { runScript, WRITE } from './scripts.ts';

type WriteOp = 'add' | 'update' | 'remove';
/** The WRITE script's reply: a status, then the event id and (an update) the flight's hash. */
type WriteReply = [status: string, id?: string, hash?: string[]];

const EVENT_OF: Record<WriteOp, FlightEventName> = {
  add: FlightEvent.added,
  update: FlightEvent.stateUpdate,
  remove: FlightEvent.removal,
};

/** Where the writes go, and how to describe a failure. */
export interface RedisWritesContext {
  commands: Redis;
  keys: RedisKeys;
  /** Entries the events stream keeps (`XADD MAXLEN ~`). */
  cap: number;
  /** Runs a Redis call, turning a failure into the right StoreError (see `writeFailure`). */
  call<T>(call: () => Promise<T>, failure: (error: unknown) => StoreError): Promise<T>;
  /** `Redis at redis://…` (no password), for messages. */
  where: string;
}

/**
 * The board's writes: each one Lua script (state change + XADD, and the outcome under its
 * idempotency key), so concurrent writers on every instance agree on one order and a retried
 * write applies at most once.
 */
export class RedisWrites {
  /** The newest event id this instance's writes were answered with (`0-0`: none yet). */
  newestId = '0-0';

  constructor(readonly context: RedisWritesContext) {}

  async add(flight: Flight, options: WriteOptions): Promise<StreamEvent> {
    const data = JSON.stringify(flight);
    const [reply, replayedData] = await this.#write('add', flight, data, options);
    if (reply[0] === 'exists')
      throw new StoreError('exists', `flight ${flight.flight} is already on the board`);
    return this.#issued(reply, flight.flight, 'add', replayedData ?? data);
  }

  async update(update: FlightUpdate, options: WriteOptions): Promise<UpdatedFlight> {
    const data = JSON.stringify(update);
    const [reply, replayedData] = await this.#write('update', update, data, options);
    const event = this.#issued(reply, update.flight, 'update', replayedData ?? data);
    return { event, flight: toFlight(reply[2] ?? []) };
  }

  async remove(flight: string, options: WriteOptions): Promise<StreamEvent> {
    const data = JSON.stringify({ flight });
    const [reply, replayedData] = await this.#write('remove', { flight }, data, options);
    return this.#issued(reply, flight, 'remove', replayedData ?? data);
  }

  /** Runs the script; for a replayed key, the recorded reply and the data the first write carried. */
  async #write(
    op: WriteOp,
    fields: FlightUpdate,
    data: string,
    { idempotencyKey }: WriteOptions,
  ): Promise<[reply: WriteReply, replayedData: string | undefined]> {
    const { keys, cap, commands } = this.context;
    const outcomeKey = keys.idempotency + (idempotencyKey ?? '');
    const ttl = idempotencyKey === undefined ? 0 : Math.round(IDEMPOTENCY_TTL_MS / 1000);
    const scriptKeys = [keys.board, keys.counter, keys.flight + fields.flight, keys.events, outcomeKey];
    const args: (string | number)[] = [op, fields.flight, cap, EVENT_OF[op], data, ttl];
    if (op !== 'remove') {
      for (const [field, value] of Object.entries(fields)) {
        if (value !== undefined) args.push(field, JSON.stringify(value));
      }
    }
    const reply = (await this.context.call(
      () => runScript(commands, WRITE, scriptKeys, args),
      (error) => writeFailure(error, this.context.where),
    )) as WriteReply | ['replay', string];
    if (reply[0] !== 'replay') return [reply as WriteReply, undefined];
    const recorded = JSON.parse(reply[1] as string) as {
      op: string;
      flight: string;
      data: string;
      reply: WriteReply;
    };
    const first = `${recorded.op} ${recorded.flight}`;
    if (first !== `${op} ${fields.flight}`)
      throw keyReused(idempotencyKey ?? '', first, `${op} ${fields.flight}`);
    return [recorded.reply, recorded.data];
  }

  #issued(reply: WriteReply, key: string, op: WriteOp, data: string): StreamEvent {
    const [status, id] = reply;
    if (status === 'not-found') throw new StoreError('not-found', `flight ${key} is not on the board`);
    if (status !== 'ok' || id === undefined) {
      throw new StoreError(
        'unavailable',
        `${this.context.where} answered an unexpected ${status} to a write`,
      );
    }
    if (compareStreamIds(id, this.newestId) > 0) this.newestId = id;
    return { ...flightEvent(id, EVENT_OF[op]), data };
  }
}

/**
 * What a failed write means. Redis refused it (an error reply), or ioredis never sent it (the
 * connection is down and the offline queue is off): it certainly did not happen, `unavailable`.
 * Anything else (a timeout, a connection lost while the script was under way): it may still
 * apply, `outcome-unknown`.
 */
export function writeFailure(error: unknown, where: string): StoreError {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ReplyError || /enableOfflineQueue|isn't writeable/.test(message)) {
    return new StoreError('unavailable', `${where} did not answer (${message})`);
  }
  return new StoreError('outcome-unknown', `${where} did not answer in time (${message})`);
}
