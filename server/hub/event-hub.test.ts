import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Flight, FlightEvent, type FlightUpdate, type StreamEvent } from '../../protocol/protocol.ts';
import type { FlightStore } from '../store/flight-store.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { CATCH_UPS_PER_TURN, EventHub, type EventHubOptions } from './event-hub.ts';
import type { Frame } from './frame.ts';
import type { StreamTransport } from './stream-transport.ts';

// ---- helpers ---------------------------------------------------------------------------

/** A transport that records the frames it was given and never drains, like a client that stopped reading. */
class StuckSink implements StreamTransport {
  readonly frames: Frame[] = [];
  unsentBytes = 0;
  started = false;
  destroyed = false;
  ended = false;
  /** The text of every frame, in order. */
  get chunks(): string[] {
    return this.frames.map((frame) => frame.text);
  }
  start(): void {
    this.started = true;
  }
  write(frame: Frame): void {
    if (this.destroyed) throw new Error('write after destroy');
    this.frames.push(frame);
    this.unsentBytes += frame.bytes.length;
  }
  end(frame?: Frame): void {
    if (frame) this.frames.push(frame);
    this.ended = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

/** A transport that drains at once, like a fast client. */
class FastSink extends StuckSink {
  override write(frame: Frame): void {
    super.write(frame);
    this.unsentBytes = 0;
  }
}

const OPTIONS: EventHubOptions = { retryMs: 1000, heartbeatMs: 60_000, maxBufferedBytes: 16 * 1024 };

/** A store holding flight I768 (event 1), then `gateChanges` state changes (events 2, 3, …). */
async function boardWithI768(capacity: number, gateChanges = 0): Promise<MemoryStore> {
  const store = new MemoryStore(capacity);
  await store.add({ flight: 'I768', origin: 'Rome', arrival: '10:10', state: '' });
  for (let i = 0; i < gateChanges; i++) await store.update({ flight: 'I768', state: `gate ${i}` });
  return store;
}

/** The event ids in a stream's text, in order, as their counters (`<epoch>-<n>` → `n`). */
function idsIn(text: string): string[] {
  return [...text.matchAll(/^id: \d+-(\d+)$/gm)].map((m) => m[1] ?? '');
}

/**
 * `store` with its history reads counted, and answered late when `hold` is set: the events are
 * read at the call, the answer comes on `release()` (a Redis reply that an event overtakes).
 */
function slowHistory(store: MemoryStore): {
  store: FlightStore;
  reads: () => number;
  hold: boolean;
  release: () => void;
} {
  let reads = 0;
  const held: (() => void)[] = [];
  const control = {
    store: {
      state: () => store.state(),
      eventsAfter: async (id: string) => {
        reads++;
        const events = await store.eventsAfter(id);
        if (control.hold) await new Promise<void>((resolve) => held.push(resolve));
        return events;
      },
      isAfter: (a: string, b: string) => store.isAfter(a, b),
      add: (f: Flight) => store.add(f),
      update: (u: FlightUpdate) => store.update(u),
      remove: (f: string) => store.remove(f),
      close: () => store.close(),
      subscribe: (listener: (e: StreamEvent) => void) => store.subscribe(listener),
      onResync: (listener: () => void) => store.onResync(listener),
      setClosed: (closed: boolean) => store.setClosed(closed),
      onClosedChange: (listener: (closed: boolean, headId: string) => void) => store.onClosedChange(listener),
      isClosed: () => store.isClosed(),
    },
    reads: () => reads,
    hold: false,
    release: () => {
      for (const resolve of held.splice(0)) resolve();
    },
  };
  return control;
}

async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

// ---- behaviour -------------------------------------------------------------------------

describe('EventHub', () => {
  test('serialises each event once, whatever the number of clients', async () => {
    const store = new MemoryStore(10);
    const listeners: ((e: StreamEvent) => void)[] = [];
    const subscribe = (listener: (e: StreamEvent) => void) => {
      listeners.push(listener);
      return () => undefined;
    };
    // The real store, except that the test emits the events itself.
    const hub = new EventHub(
      {
        state: () => store.state(),
        eventsAfter: (id) => store.eventsAfter(id),
        isAfter: (a, b) => store.isAfter(a, b),
        add: (f) => store.add(f),
        update: (u) => store.update(u),
        remove: (f) => store.remove(f),
        close: () => store.close(),
        subscribe,
        onResync: (listener) => store.onResync(listener),
        setClosed: (closed) => store.setClosed(closed),
        onClosedChange: (listener) => store.onClosedChange(listener),
        isClosed: () => store.isClosed(),
      },
      OPTIONS,
    );
    const sinks = Array.from({ length: 5 }, () => new FastSink());
    for (const sink of sinks) await hub.connect(sink).ready;
    let reads = 0;
    // An event whose data counts how often it is read: serialising it reads it once.
    const event: StreamEvent = {
      id: '1',
      event: FlightEvent.added,
      get data() {
        reads++;
        return '{"flight":"A1"}';
      },
    };
    for (const emit of listeners) emit(event);
    assert.equal(reads, 1);
    const frames = sinks.map((s) => s.chunks.at(-1));
    assert.ok(frames.every((f) => f === frames[0] && f?.startsWith('id: 1\nevent: flightAdded\n')));
    hub.dispose();
  });

  test('drops a client that never drains once it holds more than maxBufferedBytes, and writes it nothing more', async () => {
    const store = new MemoryStore(10);
    const evicted: number[] = [];
    const hub = new EventHub(store, { ...OPTIONS, onEvict: (bytes) => evicted.push(bytes) });
    const stuck = new StuckSink();
    const fast = new FastSink();
    await hub.connect(stuck).ready;
    await hub.connect(fast).ready;
    await store.add({ flight: 'A1', origin: 'x', arrival: '10:00', state: '' });
    const big = 'x'.repeat(1000);
    for (let i = 0; i < 200; i++) await store.update({ flight: 'A1', state: `${i}${big}` });
    const frame = 1100;
    assert.equal(stuck.destroyed, true);
    assert.ok(stuck.unsentBytes <= OPTIONS.maxBufferedBytes + frame, `held ${stuck.unsentBytes} bytes`);
    assert.deepEqual(evicted, [stuck.unsentBytes]);
    assert.equal(hub.stats.evictions, 1);
    assert.equal(hub.clientCount, 1, 'the fast client stays');
    assert.equal(fast.chunks.length, 2 + 201, 'retry, snapshot, every event');
    hub.dispose();
  });

  test('a client that leaves during its catch-up is written nothing after it left', async () => {
    const store = new MemoryStore(10);
    const hub = new EventHub(store, OPTIONS);
    const sink = new StuckSink();
    sink.unsentBytes = 0;
    const { ready } = hub.connect(sink);
    hub.disconnect(sink);
    await ready;
    await store.add({ flight: 'A1', origin: 'x', arrival: '10:00', state: '' });
    assert.deepEqual(sink.chunks, [], 'not even retry: (it waits for the catch-up turn)');
    assert.equal(hub.clientCount, 0);
    hub.dispose();
  });

  test('runs one heartbeat timer while clients are connected and none when the last one leaves', async () => {
    const hub = new EventHub(new MemoryStore(10), { ...OPTIONS, heartbeatMs: 20 });
    assert.equal(hub.heartbeatActive, false);
    const [a, b] = [new FastSink(), new FastSink()];
    await Promise.all([hub.connect(a).ready, hub.connect(b).ready]);
    assert.equal(hub.heartbeatActive, true);
    hub.disconnect(a);
    assert.equal(hub.heartbeatActive, true);
    hub.disconnect(b);
    assert.equal(hub.heartbeatActive, false);
    hub.dispose();
  });

  test('closeAll ends every client with closedConnection and refuses new streams until reopen', async () => {
    const store = new MemoryStore(10);
    const hub = new EventHub(store, OPTIONS);
    const sinks = [new FastSink(), new FastSink()];
    for (const sink of sinks) await hub.connect(sink).ready;
    await hub.closeAll();
    for (const sink of sinks) {
      assert.equal(sink.ended, true);
      assert.equal(sink.chunks.at(-1), `id: ${store.idOf(0)}\nevent: closedConnection\ndata: \n\n`);
    }
    assert.equal(hub.isClosed, true);
    assert.equal(hub.clientCount, 0);
    await hub.reopen();
    assert.equal(hub.isClosed, false);
    await settle();
    hub.dispose();
  });

  test('with a shared closed state, closeAll and reopen go through the store and apply on its notification, once', async () => {
    const listeners = new Set<(closed: boolean, headId: string) => void>();
    let shared = true; // the board was closed before this hub started
    let unsubscribed = 0;
    // A memory store given the hooks of a shared (Redis) store: the notification comes back
    // to every hub, the one whose request made the change included.
    class SharedStore extends MemoryStore {
      override async setClosed(closed: boolean): Promise<void> {
        if (closed === shared) return;
        shared = closed;
        for (const listener of listeners) listener(closed, '7');
      }
      override onClosedChange(listener: (closed: boolean, headId: string) => void): () => void {
        listeners.add(listener);
        return () => {
          unsubscribed++;
          listeners.delete(listener);
        };
      }
      override isClosed(): boolean {
        return shared;
      }
    }
    const store = new SharedStore(10);
    const hub = new EventHub(store, OPTIONS);
    const other = new EventHub(store, OPTIONS); // another instance over the same store
    assert.equal(hub.isClosed, true, 'starts in the shared state');
    await hub.reopen();
    assert.equal(hub.isClosed, false);
    assert.equal(other.isClosed, false, 'an open on one hub opens the others');
    const sinks = [new FastSink(), new FastSink()];
    await hub.connect(sinks[0] as FastSink).ready;
    await other.connect(sinks[1] as FastSink).ready;
    await other.closeAll();
    await hub.closeAll(); // already closed: nothing more is sent
    for (const sink of sinks) {
      assert.equal(sink.ended, true);
      const closes = sink.chunks.filter((chunk) => chunk.includes(FlightEvent.closed));
      assert.deepEqual(
        closes,
        ['id: 7\nevent: closedConnection\ndata: \n\n'],
        'exactly one, with the head id',
      );
    }
    assert.equal(hub.isClosed, true);
    assert.equal(hub.clientCount + other.clientCount, 0);
    hub.dispose();
    other.dispose();
    assert.equal(unsubscribed, 2, 'dispose stops following the shared state');
  });

  test('ends every stream without closedConnection when the store asks clients to resync', async () => {
    let resync: (() => void) | undefined;
    let unresyncCalls = 0;
    // The memory store never loses its history; give it the hook a Redis store has.
    class ResyncingStore extends MemoryStore {
      override onResync(listener: () => void): () => void {
        resync = listener;
        return () => {
          unresyncCalls++;
        };
      }
    }
    const hub = new EventHub(new ResyncingStore(10), OPTIONS);
    const sinks = [new FastSink(), new FastSink()];
    for (const sink of sinks) await hub.connect(sink).ready;
    assert.equal(hub.clientCount, 2);
    resync?.();
    assert.equal(hub.clientCount, 0);
    for (const sink of sinks) {
      assert.ok(sink.ended, 'stream ended so the client reconnects and gets a snapshot');
      assert.ok(
        !sink.chunks.join('').includes(FlightEvent.closed),
        'no closedConnection: the client must come back',
      );
    }
    hub.dispose();
    assert.equal(unresyncCalls, 1, 'dispose stops listening for resyncs');
  });

  test('hands every client the same frame for a live event, its bytes and HTTP/1.1 chunk built once', async () => {
    const store = await boardWithI768(10);
    const hub = new EventHub(store, OPTIONS);
    const sinks = [0, 1].map(() => new FastSink());
    for (const sink of sinks) await hub.connect(sink).ready;
    await store.update({ flight: 'I768', state: 'landed' });
    const text = `id: ${store.idOf(2)}\nevent: flightStateUpdate\ndata: {"flight":"I768","state":"landed"}\n\n`;
    const [a, b] = sinks.map((sink) => sink.frames.at(-1));
    assert.ok(a !== undefined && a === b, 'one frame for both clients');
    assert.equal(a.text, text);
    assert.equal(a.chunk.toString(), `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`);
    assert.equal(a.chunk, b?.chunk, 'one chunk Buffer, shared by every client');
    hub.dispose();
  });

  test('clients resuming from the same id share one read of the history and one joined replay frame, rebuilt once a new event arrives', async () => {
    const store = await boardWithI768(50, 3);
    const history = slowHistory(store);
    const hub = new EventHub(history.store, OPTIONS);
    const sinks = [0, 1, 2].map(() => new FastSink());
    await Promise.all(sinks.slice(0, 2).map((sink) => hub.connect(sink, store.idOf(1)).ready));
    // frames[0] is `retry:`, frames[1] the replay
    const [a, b] = sinks.map((sink) => sink.frames[1]);
    assert.ok(a !== undefined && a === b, 'one frame for both clients');
    assert.deepEqual(idsIn(a.text), ['2', '3', '4']);
    assert.equal(hub.stats.replays, 2);
    assert.equal(history.reads(), 1, 'the history read once for both');

    await store.update({ flight: 'I768', state: 'landed' });
    await hub.connect(sinks[2]!, store.idOf(1)).ready;
    const c = sinks[2]!.frames[1];
    assert.ok(c !== undefined && c !== a, 'not the replay cached before the new event');
    assert.deepEqual(idsIn(c.text), ['2', '3', '4', '5']);
    assert.equal(history.reads(), 2);
    hub.dispose();
  });

  test('a client resuming after an event is never served a replay read before that event', async () => {
    const store = await boardWithI768(50, 3);
    const history = slowHistory(store);
    const hub = new EventHub(history.store, OPTIONS);
    history.hold = true;
    const early = new FastSink();
    const first = hub.connect(early, store.idOf(1));
    await settle(); // its read of events 2–4 is under way
    await store.update({ flight: 'I768', state: 'landed' }); // event 5, live to `early` only
    const late = new FastSink();
    const second = hub.connect(late, store.idOf(1));
    await settle();
    history.release();
    await Promise.all([first.ready, second.ready]);
    assert.deepEqual(idsIn(early.chunks.join('')), ['2', '3', '4', '5'], 'event 5 after its replay');
    assert.deepEqual(idsIn(late.chunks.join('')), ['2', '3', '4', '5'], 'event 5 in its own replay');
    assert.equal(history.reads(), 2);
    hub.dispose();
  });

  test('a reconnect storm is caught up a few clients per turn, and no client gets an event twice, late or out of order', async () => {
    const store = await boardWithI768(200, 9);
    const hub = new EventHub(store, OPTIONS);
    const from = [1, 5, 10]; // behind, further behind, up to date
    const sinks = Array.from({ length: 3 * CATCH_UPS_PER_TURN + 1 }, () => new FastSink());
    const connections = sinks.map((sink, i) => hub.connect(sink, store.idOf(from[i % from.length]!)));
    const caughtUp = () => sinks.filter((s) => s.chunks.length > 1).length;
    await store.update({ flight: 'I768', state: 'before any turn' });
    const perTurn: number[] = [];
    while (caughtUp() < sinks.length) {
      await settle();
      perTurn.push(caughtUp());
      // A live event between turns: for some clients before their catch-up, for others after.
      await store.update({ flight: 'I768', state: `turn ${perTurn.length}` });
    }
    await Promise.all(connections.map((c) => c.ready));
    await store.update({ flight: 'I768', state: 'after' });
    assert.ok(perTurn[0]! <= CATCH_UPS_PER_TURN && perTurn.length > 1, `caught up per turn: ${perTurn}`);
    const { lastEventId: head } = await store.state();
    for (const [i, sink] of sinks.entries()) {
      const start = from[i % from.length]!;
      const expected = Array.from({ length: Number(head.split('-')[1]) - start }, (_, k) =>
        String(start + 1 + k),
      );
      assert.deepEqual(idsIn(sink.chunks.join('')), expected, `client ${i} (from ${start})`);
    }
    hub.dispose();
  });
});
