import assert from 'node:assert/strict';
import type { Flight } from '../../protocol/protocol.ts';
import { BoardReplica, type EventOrder, sortedBoard } from './board-replica.ts';
import {
  type ChaosClient,
  type ChaosControl,
  EventSourceChaosClient,
  RawChaosClient,
} from './chaos-clients.ts';
import { chaosWrites, type WriteSink } from './event-writer.ts';
import type { SeededRandom } from './seeded-random.ts';

/** What a chaos run needs from the system under test (one server, or instances behind a proxy). */
export interface ChaosTarget {
  /** Port a client opens `/events` on, asked before every connection (instances may come and go). */
  streamPort: () => number;
  /** Where writes go (the run picks store or REST itself, per write). */
  write: WriteSink;
  /** The server's event order, recorded by a store subscriber. */
  order: EventOrder;
  /** `GET /flights` of the system. */
  board(): Promise<{ lastEventId: string; flights: Flight[] }>;
  /** `POST /close` of the system. */
  closeStreams(): Promise<void>;
  /** Faults the system side injects now and then (instance kills, streams cut by the server). */
  faults: ChaosFault[];
}

/** A fault the system side injects: `when` is asked after every write. */
export interface ChaosFault {
  name: string;
  when(writeIndex: number, rng: SeededRandom): boolean;
  inject(rng: SeededRandom): Promise<void> | void;
}

export interface ChaosOptions {
  rawClients: number;
  eventSourceClients: number;
  events: number;
  /** Time allowed for every client to catch up once the writes and faults stop. */
  settleMs: number;
}

export interface ChaosFigures {
  eventsSent: number;
  clientCuts: number;
  longAbsences: number;
  serverFaults: Record<string, number>;
  connections: number;
  resumedInside: number;
  resyncs: number;
  eventsReceived: number;
}

async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Runs the chaos scenario of issue 8 against `target`: clients (raw sockets and the
 * `eventsource` package) read while `events` writes of every kind go out at a high rate; clients
 * cut their connections at random byte offsets and resume with their last id; the target injects
 * its own faults. Then the chaos stops, every client must catch up to the head with no breach of
 * exactly-once delivery, hold the board `GET /flights` answers, and get `closedConnection`.
 */
export async function runChaos(
  target: ChaosTarget,
  rng: SeededRandom,
  options: ChaosOptions,
): Promise<ChaosFigures> {
  const { order } = target;
  let writing = true;
  const control: ChaosControl = {
    cutting: true,
    injected: { clientCuts: 0, longAbsences: 0 },
    async historyMovedPast(id, events) {
      const from = id === undefined ? -1 : order.indexOf(id);
      const deadline = Date.now() + 5000;
      while (writing && order.ids.length <= from + events && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
  const clients: ChaosClient[] = [];
  for (let i = 0; i < options.rawClients; i++) {
    clients.push(
      new RawChaosClient(new BoardReplica(`raw#${i}`, order), target.streamPort, rng.fork(), control),
    );
  }
  for (let i = 0; i < options.eventSourceClients; i++) {
    const replica = new BoardReplica(`eventsource#${i}`, order);
    clients.push(new EventSourceChaosClient(replica, target.streamPort, rng.fork(), control));
  }
  const serverFaults: Record<string, number> = {};
  try {
    for (const client of clients) client.start();
    await until(
      'every client to get its first event',
      () => clients.every((c) => c.replica.stats.events > 0),
      10_000,
    );

    let sinceYield = 0;
    let burst = rng.int(1, 20);
    let index = 0;
    for (const write of chaosWrites(rng, options.events)) {
      await target.write(write);
      index++;
      for (const fault of target.faults) {
        if (fault.when(index, rng)) {
          serverFaults[fault.name] = (serverFaults[fault.name] ?? 0) + 1;
          await fault.inject(rng);
        }
      }
      if (++sinceYield >= burst) {
        // A burst of writes, then a breath so the clients read (they live in this process).
        sinceYield = 0;
        burst = rng.int(1, 20);
        await new Promise((resolve) => (rng.chance(0.1) ? setTimeout(resolve, 1) : setImmediate(resolve)));
      }
    }
    writing = false;
    control.cutting = false;

    const { lastEventId: head, flights } = await target.board();
    assert.equal(head, order.head, 'GET /flights carries the id of the last event written');
    const stuck = () =>
      clients
        .filter((c) => c.replica.lastEventId !== head)
        .map((c) => `${c.replica.name} at ${c.replica.lastEventId}`);
    await until('every client to reach the head', () => stuck().length === 0, options.settleMs).catch(
      (error) => {
        throw new Error(`${(error as Error).message}; behind: ${stuck().slice(0, 10).join(', ')}`);
      },
    );

    const violations = clients.flatMap((c) => c.replica.violations);
    assert.deepEqual(violations, [], 'no client saw a duplicate, a gap or an impossible event');
    const expected = sortedBoard(flights);
    for (const client of clients) {
      assert.deepEqual(
        client.replica.board(),
        expected,
        `${client.replica.name} shows the board of GET /flights`,
      );
    }

    await target.closeStreams();
    await until(
      'closedConnection on every stream',
      () => clients.every((c) => c.replica.closedAt === head),
      10_000,
    );

    const replicas = clients.map((c) => c.replica);
    const sum = (key: keyof BoardReplica['stats']) => replicas.reduce((n, r) => n + r.stats[key], 0);
    return {
      eventsSent: order.ids.length,
      clientCuts: control.injected.clientCuts,
      longAbsences: control.injected.longAbsences,
      serverFaults,
      connections: sum('connections'),
      resumedInside: sum('resumedInside'),
      resyncs: sum('resyncs'),
      eventsReceived: sum('events'),
    };
  } finally {
    for (const client of clients) client.stop();
  }
}
