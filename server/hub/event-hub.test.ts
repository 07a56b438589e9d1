import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Flight, FlightEvent, type FlightUpdate, type StreamEvent } from '../../protocol/protocol.ts';
import type { FlightStore } from '../store/flight-store.ts';
import { MemoryStore } from '../store/memory-store.ts';
import {
  CATCH_UP_BYTES_PER_TURN,
  CATCH_UPS_PER_TURN,
  EventHub,
  type EventHubOptions,
  MAX_WRITING_CATCH_UPS,
  RUN_BYTES,
} from './event-hub.ts';
import type { Frame } from './frame.ts';
import { runBytes } from './runs.ts';
import type { StreamTransport } from './stream-transport.ts';

// ---- helpers ---------------------------------------------------------------------------

/** A transport that records the frames it was given and never drains, like a client that stopped reading. */
class StuckSink implements StreamTransport {
  readonly frames: Frame[] = [];
  unsentBytes = 0;
  started = false;
  destroyed = false;
  ended = false;
  /** The catch-up's runs, as written. */
  readonly runs: (readonly Frame[])[] = [];
  /** Callbacks of runs that have not left: called by `drain()`. */
  readonly unflushed: (() => void)[] = [];
  /** The text of every frame, in order. */
  get chunks(): string[] {
    return this.frames.map((frame) => frame.text);
  }
  /** Everything the client was sent, as one text (slices of a catch-up may cut an event). */
  get text(): string {
    return Buffer.concat(this.frames.map((frame) => frame.bytes)).toString();
  }
  start(): void {
    this.started = true;
  }
  write(frame: Frame): void {
    if (this.destroyed) throw new Error('write after destroy');
    this.frames.push(frame);
    this.unsentBytes += frame.bytes.length;
  }
  writeRun(frames: readonly Frame[], flushed: () => void): void {
    for (const frame of frames) this.write(frame);
    this.runs.push(frames);
    this.unflushed.push(flushed);
  }
  /** The client reads everything written so far. */
  drain(): void {
    this.unsentBytes = 0;
    for (const flushed of this.unflushed.splice(0)) flushed();
  }
  end(frame?: Frame): void {
    if (frame) this.frames.push(frame);
    this.ended = true;
  }
  destroy(): void {
    this.destroyed = true;
    // As a socket does: the writes it will never send are called back (with an error).
    for (const flushed of this.unflushed.splice(0)) flushed();
  }
}

/** A transport that drains at once, like a fast client. */
class FastSink extends StuckSink {
  override write(frame: Frame): void {
    super.write(frame);
    this.drain();
  }
  override writeRun(frames: readonly Frame[], flushed: () => void): void {
    super.writeRun(frames, flushed);
    this.drain();
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

/** A store holding flight I768 then `changes` state changes of about 1 KB each (events 2, 3, …). */
async function boardWithBigChanges(changes: number): Promise<MemoryStore> {
  const store = new MemoryStore(changes + 1);
  await store.add({ flight: 'I768', origin: 'Rome', arrival: '10:10', state: '' });
  const filler = 'x'.repeat(1000);
  for (let i = 0; i < changes; i++) await store.update({ flight: 'I768', state: `${i} ${filler}` });
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
    await hub.connect(fast).ready;
    // Its snapshot never leaves, so its catch-up never ends: live events pile up behind it.
    const stuckReady = hub.connect(stuck).ready;
    await settle(); // its turn: retry:
    await settle(); // room for its snapshot
    assert.equal(stuck.frames.length, 2, 'retry and the snapshot');
    await store.add({ flight: 'A1', origin: 'x', arrival: '10:00', state: '' });
    const big = 'x'.repeat(1000);
    for (let i = 0; i < 200; i++) await store.update({ flight: 'A1', state: `${i}${big}` });
    await stuckReady;
    const frame = 1100;
    assert.equal(stuck.destroyed, true);
    assert.equal(evicted.length, 1);
    const held = evicted[0] ?? 0;
    assert.ok(
      held > OPTIONS.maxBufferedBytes && held <= stuck.unsentBytes + OPTIONS.maxBufferedBytes + frame,
      `held ${held} bytes`,
    );
    assert.equal(stuck.frames.length, 2, 'nothing after its snapshot');
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

  test('clients resuming from the same id share one read of the history and its frames, read again once a new event arrives', async () => {
    const store = await boardWithI768(50, 3);
    const history = slowHistory(store);
    const hub = new EventHub(history.store, OPTIONS);
    const sinks = [0, 1, 2].map(() => new FastSink());
    await Promise.all(sinks.slice(0, 2).map((sink) => hub.connect(sink, store.idOf(1)).ready));
    const [a, b] = sinks.map((sink) => sink.runs[0]);
    assert.ok(a !== undefined && a === b, 'one run of frames for both clients');
    assert.deepEqual(idsIn(a.map((frame) => frame.text).join('')), ['2', '3', '4']);
    assert.equal(hub.stats.replays, 2);
    assert.equal(history.reads(), 1, 'the history read once for both');

    await store.update({ flight: 'I768', state: 'landed' });
    await hub.connect(sinks[2]!, store.idOf(1)).ready;
    const c = sinks[2]!.runs[0];
    assert.deepEqual(idsIn(c?.map((frame) => frame.text).join('') ?? ''), ['2', '3', '4', '5']);
    assert.equal(history.reads(), 2, 'not the read from before the new event');
    assert.equal(c?.[0], a[0], 'the frame of an event is built once, for every replay');
    hub.dispose();
  });

  test('clients that connect between two events share one read of the board and one snapshot frame; after an event, or a failed read, the next client reads again', async () => {
    let reads = 0;
    let fail = false;
    class CountingStore extends MemoryStore {
      override state() {
        reads++;
        return fail ? Promise.reject(new Error('store down')) : super.state();
      }
    }
    const counted = new CountingStore(10);
    await counted.add({ flight: 'I768', origin: 'Rome', arrival: '10:10', state: '' });
    const hub = new EventHub(counted, OPTIONS);
    const sinks = [0, 1, 2].map(() => new FastSink());
    await Promise.all(sinks.slice(0, 2).map((sink) => hub.connect(sink).ready));
    const [a, b] = sinks.map((sink) => sink.frames[1]);
    assert.ok(a !== undefined && a === b, 'one snapshot frame for both clients');
    assert.match(a.text, /event: flightSnapshot/);
    assert.equal(reads, 1);
    assert.equal(hub.stats.snapshots, 2);

    await counted.update({ flight: 'I768', state: 'landed' });
    await hub.connect(sinks[2]!).ready;
    assert.equal(reads, 2, 'read again after the event');
    assert.match(sinks[2]!.frames[1]?.text ?? '', /landed/);

    await counted.update({ flight: 'I768', state: 'gone' });
    fail = true;
    const failed = new FastSink();
    await assert.rejects(hub.connect(failed).ready, /store down/);
    fail = false;
    const next = new FastSink();
    await hub.connect(next).ready;
    assert.equal(reads, 4, 'the failed read is not served');
    assert.match(next.frames[1]?.text ?? '', /gone/);
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

  test('writes a catch-up in runs, each once the one before has left, and nothing more once the client left', async () => {
    const store = await boardWithBigChanges(100); // about 100 KB: 4 runs
    const hub = new EventHub(store, { ...OPTIONS, maxBufferedBytes: 1024 * 1024 });
    const sink = new StuckSink();
    void hub.connect(sink, store.idOf(0));
    for (let i = 0; i < 5; i++) await settle();
    assert.equal(sink.runs.length, 1, 'the first run, which has not left');
    const [first] = sink.runs.map(runBytes);
    assert.ok(first! > RUN_BYTES - 1100 && first! <= RUN_BYTES, `${first} bytes`);
    sink.drain();
    for (let i = 0; i < 5; i++) await settle();
    assert.equal(sink.runs.length, 2, 'the second run, once the first has left');
    hub.disconnect(sink);
    sink.drain();
    for (let i = 0; i < 5; i++) await settle();
    assert.equal(sink.runs.length, 2, 'nothing once it left');
    assert.deepEqual(
      idsIn(sink.text),
      Array.from({ length: sink.frames.length - 1 }, (_, i) => String(i + 1)),
    );
    hub.dispose();
  });

  test(`a storm of large catch-ups writes at most ${CATCH_UP_BYTES_PER_TURN} bytes of them per turn of the event loop`, async () => {
    const store = await boardWithBigChanges(300); // replays of about 300 KB
    const hub = new EventHub(store, { ...OPTIONS, maxBufferedBytes: 1024 * 1024 });
    let written = 0;
    class CountingSink extends FastSink {
      override writeRun(frames: readonly Frame[], flushed: () => void): void {
        written += runBytes(frames);
        super.writeRun(frames, flushed);
      }
    }
    const sinks = Array.from({ length: 12 }, () => new CountingSink());
    const connections = sinks.map((sink, i) => hub.connect(sink, store.idOf(i)));
    let done = false;
    void Promise.all(connections.map((c) => c.ready)).then(() => {
      done = true;
    });
    const perTurn: number[] = [];
    for (let turn = 0; turn < 1000 && !done; turn++) {
      written = 0;
      await settle();
      perTurn.push(written);
    }
    assert.equal(done, true, 'every client caught up');
    assert.ok(Math.max(...perTurn) <= CATCH_UP_BYTES_PER_TURN, `bytes per turn: ${perTurn.join(' ')}`);
    for (const [i, sink] of sinks.entries()) {
      const ids = idsIn(sink.text);
      assert.equal(ids.length, 301 - i, `client ${i}: every event after its id`);
      assert.equal(ids[0], String(i + 1));
    }
    hub.dispose();
  });

  test('clients that do not read their catch-ups do not hold up the others', async () => {
    const store = await boardWithBigChanges(100);
    const hub = new EventHub(store, { ...OPTIONS, maxBufferedBytes: 1024 * 1024 });
    const stuck = Array.from({ length: MAX_WRITING_CATCH_UPS + 1 }, () => new StuckSink());
    for (const sink of stuck) void hub.connect(sink, store.idOf(0));
    const fast = new FastSink();
    let caughtUp = false;
    void hub.connect(fast, store.idOf(0)).ready.then(() => {
      caughtUp = true;
    });
    for (let turn = 0; turn < 100 && !caughtUp; turn++) await settle();
    assert.equal(caughtUp, true, 'the reading client caught up');
    assert.ok(
      stuck.every((sink) => sink.runs.length === 1),
      'each stuck client was handed one run',
    );
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
