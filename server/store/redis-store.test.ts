import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { FlightEvent, type StreamEvent } from '../../protocol/protocol.ts';
import { startRedisServer, type TestRedisServer } from '../../test/support/redis-server.ts';
import { until } from '../../test/support/until.ts';
import { compareStreamIds, parseStreamId } from './event-id.ts';
import { StoreError } from './flight-store.ts';
import { CONCURRENT_REPLAYS, REPLAY_PAGE_SIZE } from './redis/history.ts';
import { RedisStore, type RedisStoreOptions } from './redis-store.ts';

// ---- helpers -----------------------------------------------------------------------------

const flight = (key: string, state = 'scheduled') => ({
  flight: key,
  origin: 'Rome',
  arrival: '10:10',
  state,
});

let prefixes = 0;
/** A fresh pair of keys for each test, so tests sharing one redis-server never see each other. */
function freshPrefix(): string {
  prefixes++;
  return `{test-${process.pid}-${prefixes}}:`;
}

const opened: RedisStore[] = [];
async function openStore(
  redis: TestRedisServer,
  keyPrefix: string,
  options: Partial<RedisStoreOptions> = {},
): Promise<RedisStore> {
  const store = await RedisStore.connect({ url: redis.url, historySize: 1000, keyPrefix, ...options });
  opened.push(store);
  return store;
}

/** Collects what a store's subscribers receive. */
function record(store: RedisStore): StreamEvent[] {
  const seen: StreamEvent[] = [];
  store.subscribe((event) => seen.push(event));
  return seen;
}

async function rejectsWith(
  promise: Promise<unknown>,
  code: StoreError['code'],
  message: RegExp,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof StoreError, `expected a StoreError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

// ---- tests -------------------------------------------------------------------------------

describe('RedisStore (real redis-server)', () => {
  let redis: TestRedisServer;
  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await Promise.all(opened.map((store) => store.close()));
    await redis?.close();
  });

  test('a new store is an empty board at head 0-0', async () => {
    const store = await openStore(redis, freshPrefix());
    assert.deepEqual(await store.state(), { lastEventId: '0-0', flights: [] });
    assert.deepEqual(await store.eventsAfter('0-0'), []);
  });

  test('add, update and remove emit their events with stream ids, in order, and change the board', async () => {
    const store = await openStore(redis, freshPrefix());
    const seen = record(store);
    const added = await store.add(flight('I768'));
    const { event: updated, flight: after } = await store.update({
      flight: 'I768',
      state: 'landing',
      gate: 'B4',
    });
    assert.deepEqual(after, { ...flight('I768', 'landing'), gate: 'B4' }, 'update returns the whole flight');
    assert.deepEqual((await store.state()).flights, [after]);
    const removed = await store.remove('I768');
    await until('three events', () => seen.length === 3);
    assert.deepEqual(seen, [added, updated, removed]);
    assert.deepEqual(
      seen.map((e) => [e.event, JSON.parse(e.data)]),
      [
        [FlightEvent.added, flight('I768')],
        [FlightEvent.stateUpdate, { flight: 'I768', state: 'landing', gate: 'B4' }],
        [FlightEvent.removal, { flight: 'I768' }],
      ],
    );
    for (const event of seen) assert.ok(parseStreamId(event.id), `${event.id} is a stream id`);
    assert.deepEqual(await store.state(), { lastEventId: removed.id, flights: [] });
  });

  test('the board keeps insertion order and extra fields exactly as written', async () => {
    const store = await openStore(redis, freshPrefix());
    const extra = { ...flight('X1'), tags: [], meta: { gate: 'B4', belt: 3.5, none: null } };
    await store.add(flight('Z9'));
    await store.add(extra);
    await store.add(flight('A0'));
    await store.remove('Z9');
    await store.add(flight('Z9', 'landed'));
    await store.update({ flight: 'X1', tags: ['late'] });
    const { flights } = await store.state();
    assert.deepEqual(
      flights.map((f) => f.flight),
      ['X1', 'A0', 'Z9'],
    );
    assert.deepEqual(flights[0], { ...extra, tags: ['late'] });
  });

  test('a refused write (exists, not-found) says why, changes nothing and emits nothing', async () => {
    const store = await openStore(redis, freshPrefix());
    const seen = record(store);
    await store.add(flight('A123'));
    const before = await store.state();
    await rejectsWith(store.add(flight('A123', 'landed')), 'exists', /A123 is already on the board/);
    await rejectsWith(store.update({ flight: 'ZZ1', state: 'x' }), 'not-found', /ZZ1 is not on the board/);
    await rejectsWith(store.remove('ZZ1'), 'not-found', /ZZ1 is not on the board/);
    assert.deepEqual(await store.state(), before);
    assert.equal(seen.length, 1);
  });

  test('eventsAfter(id) replays exactly the events after every retained id, oldest first', async () => {
    const store = await openStore(redis, freshPrefix());
    const events = [await store.add(flight('A1'))];
    for (let i = 0; i < 9; i++) events.push((await store.update({ flight: 'A1', state: `s${i}` })).event);
    assert.deepEqual(await store.eventsAfter('0-0'), events, 'from the start: nothing trimmed yet');
    for (let i = 0; i < events.length; i++) {
      assert.deepEqual(await store.eventsAfter(events[i]?.id as string), events.slice(i + 1), `after #${i}`);
    }
  });

  const malformed = [
    '',
    'abc',
    '-1',
    '1e999',
    '0',
    '12',
    '1-',
    '-0',
    '1-2-3',
    ' 1-0',
    '1-0 ',
    '1.0-0',
    '+1-0',
  ];
  malformed.push('9'.repeat(500), '١-٠', '18446744073709551616-0', '0-18446744073709551616', '1-0\n');
  for (const id of malformed) {
    test(`eventsAfter(${JSON.stringify(id.length > 30 ? `${id.slice(0, 12)}…` : id)}) is malformed: undefined`, async () => {
      const store = await openStore(redis, freshPrefix());
      await store.add(flight('B1'));
      assert.equal(await store.eventsAfter(id), undefined);
    });
  }

  test('a well-formed id the stream never issued (between entries, in the future) is unknown: undefined', async () => {
    const store = await openStore(redis, freshPrefix());
    const first = await store.add(flight('C1'));
    const [ms, seq] = parseStreamId(first.id) as [bigint, bigint];
    await until('the next millisecond', () => BigInt(Date.now()) > ms + 1n);
    await store.add(flight('C2'));
    assert.equal(await store.eventsAfter(`${ms}-${seq + 1n}`), undefined, 'between two entries');
    assert.equal(await store.eventsAfter(`${ms + 10_000_000n}-0`), undefined, 'in the future');
    assert.equal(
      await store.eventsAfter('18446744073709551615-18446744073709551615'),
      undefined,
      'the largest id',
    );
  });

  test('past the cap: the last HISTORY_SIZE events replay, an older id gets undefined (snapshot), never a gap', async () => {
    const historySize = 5;
    const prefix = freshPrefix();
    const store = await openStore(redis, prefix, { historySize });
    const events = [await store.add(flight('D1'))];
    for (let i = 0; i < 299; i++) events.push((await store.update({ flight: 'D1', state: `s${i}` })).event);
    const head = events.length - 1;
    assert.equal(await store.eventsAfter(events[0]?.id as string), undefined, 'the first event was trimmed');
    assert.equal(await store.eventsAfter('0-0'), undefined, '0-0 after trimming');
    // HISTORY_SIZE events behind the head: its entry is kept (cap + 1), so it replays exactly.
    assert.deepEqual(
      await store.eventsAfter(events[head - historySize]?.id as string),
      events.slice(head - historySize + 1),
    );
    // Every id either replays exactly the rest or is refused: there is no third answer.
    for (let i = 0; i <= head; i++) {
      const replay = await store.eventsAfter(events[i]?.id as string);
      if (replay !== undefined) assert.deepEqual(replay, events.slice(i + 1), `after #${i}`);
    }
    const admin = new Redis(redis.url);
    const length = await admin.xlen(`${prefix}events`).finally(() => admin.disconnect());
    assert.ok(
      length > historySize && length < 300,
      `the stream is capped near ${historySize} (length ${length})`,
    );
  });

  test(`a replay longer than a page (${REPLAY_PAGE_SIZE} entries) joins its pages with no gap and no duplicate`, async () => {
    const store = await openStore(redis, freshPrefix(), { historySize: 5000 });
    const events = [await store.add(flight('P1'))];
    for (let i = 0; i < 2 * REPLAY_PAGE_SIZE + 20; i++) {
      events.push((await store.update({ flight: 'P1', state: `s${i}` })).event);
    }
    assert.deepEqual(await store.eventsAfter('0-0'), events);
    assert.deepEqual(await store.eventsAfter(events[3]?.id as string), events.slice(4));
  });

  test(`a storm of replays from distinct ids: every one is answered, ${CONCURRENT_REPLAYS} reading at once, and writes are not held behind them`, async () => {
    const store = await openStore(redis, freshPrefix());
    const events = [await store.add(flight('R1'))];
    for (let i = 0; i < 600; i++) events.push((await store.update({ flight: 'R1', state: `s${i}` })).event);
    const replays = events.slice(0, 300).map((e) => store.eventsAfter(e.id));
    const started = performance.now();
    await store.update({ flight: 'R1', state: 'during the storm' });
    const writeMs = performance.now() - started;
    const answered = await Promise.all(replays);
    for (const [i, replay] of answered.entries()) {
      // Each began before or after the write: the events after its id, and maybe that write.
      const expected = events.slice(i + 1);
      assert.deepEqual(replay?.slice(0, expected.length), expected, `replay #${i}`);
      assert.ok((replay?.length ?? 0) - expected.length <= 1, `replay #${i}: nothing else`);
    }
    assert.ok(writeMs < 500, `a write during the storm took ${writeMs.toFixed(0)} ms`);
  });

  test('an Idempotency-Key is one write across instances: the retry on another instance answers the first outcome and appends nothing', async () => {
    const prefix = freshPrefix();
    const [a, b] = [await openStore(redis, prefix), await openStore(redis, prefix)];
    const key = { idempotencyKey: 'retry-1' };
    const added = await a.add(flight('X1'), key);
    assert.deepEqual(await b.add(flight('X1'), key), added, 'the same event, not a 409');
    const updated = await a.update({ flight: 'X1', state: 'landing' }, { idempotencyKey: 'retry-2' });
    await a.update({ flight: 'X1', state: 'landed' });
    assert.deepEqual(
      await b.update({ flight: 'X1', state: 'landing' }, { idempotencyKey: 'retry-2' }),
      updated,
    );
    await rejectsWith(b.remove('NOPE', { idempotencyKey: 'retry-3' }), 'not-found', /NOPE/);
    await b.add(flight('NOPE'));
    await rejectsWith(a.remove('NOPE', { idempotencyKey: 'retry-3' }), 'not-found', /NOPE/);
    await rejectsWith(a.remove('X1', key), 'key-reused', /first used for "add X1"/);
    const admin = new Redis(redis.url);
    const length = await admin.xlen(`${prefix}events`).finally(() => admin.disconnect());
    assert.equal(length, 4, 'X1 added, two updates, NOPE added: no write applied twice');
  });

  test('isAfter compares stream ids by time then sequence, beyond 2^53, with 0 as 0-0', async () => {
    const store = await openStore(redis, freshPrefix());
    const table: [string, string, boolean][] = [
      ['2-0', '1-0', true],
      ['1-0', '2-0', false],
      ['1-10', '1-9', true],
      ['10-0', '9-99', true],
      ['1-0', '1-0', false],
      ['9007199254740993-0', '9007199254740992-0', true],
      ['5-9007199254740993', '5-9007199254740992', true],
      ['1-0', '0', true],
      ['0-0', '0', false],
      ['abc', '1-0', false],
    ];
    for (const [a, b, expected] of table) assert.equal(store.isAfter(a, b), expected, `isAfter(${a}, ${b})`);
    assert.equal(compareStreamIds('1-1', '1-1'), 0);
  });

  test('state() and the head id are read together, and never ahead of what this instance delivered', async () => {
    const prefix = freshPrefix();
    const writer = await openStore(redis, prefix);
    const reader = await openStore(redis, prefix);
    for (let i = 0; i < 50; i++) {
      const event = await writer.add(flight(`E${i}`));
      const state = await reader.state();
      assert.equal(state.lastEventId, event.id);
      assert.equal(state.flights.length, i + 1);
      assert.ok(compareStreamIds(reader.deliveredId, state.lastEventId) >= 0, 'the reader caught up first');
    }
  });

  test('two instances writing concurrently: both deliver one identical order, and agree on the board', async () => {
    const prefix = freshPrefix();
    const a = await openStore(redis, prefix);
    const b = await openStore(redis, prefix);
    const seenA = record(a);
    const seenB = record(b);
    await a.add(flight('F1'));
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).update({ flight: 'F1', state: `s${i}` })),
    );
    await until('201 events on both', () => seenA.length === 201 && seenB.length === 201);
    assert.deepEqual(seenA, seenB);
    for (let i = 1; i < seenA.length; i++) {
      assert.ok(a.isAfter(seenA[i]?.id as string, seenA[i - 1]?.id as string), `id #${i} increases`);
    }
    const last = JSON.parse(seenA.at(-1)?.data as string) as { state: string };
    assert.deepEqual(await a.state(), await b.state());
    assert.equal((await a.state()).flights[0]?.state, last.state, 'the board matches the last event');
  });

  test('concurrent updates of one flight from two instances never lose a field', async () => {
    const prefix = freshPrefix();
    const a = await openStore(redis, prefix);
    const b = await openStore(redis, prefix);
    await a.add(flight('G1'));
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).update({ flight: 'G1', [`f${i}`]: `${i}` })),
    );
    const [board] = (await b.state()).flights;
    for (let i = 0; i < 40; i++) assert.equal(board?.[`f${i}`], `${i}`, `field f${i} survived`);
  });

  test("a lost reader connection resumes from its last id: the instance's subscribers miss nothing", async () => {
    const prefix = freshPrefix();
    const a = await openStore(redis, prefix);
    const b = await openStore(redis, prefix);
    const seen = record(a);
    const resyncs: number[] = [];
    a.onResync(() => resyncs.push(1));
    const written = [await b.add(flight('H1'))];
    await until('the first event', () => seen.length === 1);
    const killed = await killReaders(redis);
    assert.ok(killed >= 1, "at least this store's reader was cut");
    for (let i = 0; i < 20; i++) written.push((await b.update({ flight: 'H1', state: `s${i}` })).event);
    await killReaders(redis);
    for (let i = 20; i < 30; i++) written.push((await b.update({ flight: 'H1', state: `s${i}` })).event);
    await until(`${written.length} events`, () => seen.length === written.length);
    assert.deepEqual(seen, written);
    assert.deepEqual(resyncs, []);
  });

  test('the closed state is shared: each change reaches every instance once, and is never an event', async () => {
    const prefix = freshPrefix();
    const a = await openStore(redis, prefix);
    const b = await openStore(redis, prefix);
    const seen = record(b);
    const onA: [boolean, string][] = [];
    const onB: [boolean, string][] = [];
    a.onClosedChange((closed, head) => onA.push([closed, head]));
    b.onClosedChange((closed, head) => onB.push([closed, head]));
    assert.equal(a.isClosed(), false);
    const added = await a.add(flight('S1'));

    await a.setClosed(true);
    assert.deepEqual(onA, [[true, added.id]], 'applied on this instance before setClosed settles');
    assert.equal(a.isClosed(), true);
    await until('the other instance', () => onB.length === 1);
    assert.deepEqual(onB, [[true, added.id]], 'after the events written before it, with the head id');
    await a.setClosed(true);
    await b.setClosed(true);
    const late = await openStore(redis, prefix);
    assert.equal(late.isClosed(), true, 'a store connected while closed starts closed');

    await b.setClosed(false);
    assert.deepEqual(onB.at(-1), [false, added.id]);
    await until('the open on the other instance', () => onA.length === 2);
    assert.equal(onB.length, 2, 'repeated closes notified nothing');
    assert.equal(a.isClosed(), false);
    assert.equal(late.isClosed(), false);

    const admin = new Redis(redis.url);
    try {
      assert.equal(await admin.xlen(`${prefix}events`), 1, 'no close or open in the events stream');
      assert.equal(await admin.exists(`${prefix}closed`), 0);
    } finally {
      admin.disconnect();
    }
    assert.deepEqual(await b.eventsAfter('0-0'), [added]);
    assert.deepEqual(seen, [added]);
  });

  test('a reader that was away gets the changes it missed; when they are gone, it re-reads the flag', async () => {
    const prefix = freshPrefix();
    const a = await openStore(redis, prefix, { maxBackoffMs: 200 });
    const b = await openStore(redis, prefix, { maxBackoffMs: 200 });
    const onB: boolean[] = [];
    b.onClosedChange((closed) => onB.push(closed));
    await a.setClosed(true);
    await a.setClosed(false);
    await until('two changes', () => onB.length === 2);

    // Away while the control stream keeps the change: the reader reads it on its return.
    assert.ok((await killReaders(redis)) >= 2);
    await a.setClosed(true);
    await until('the change missed while away', () => onB.length === 3);
    assert.equal(b.isClosed(), true);

    // Away while the change is made and then trimmed from the control stream: the flag decides.
    const admin = new Redis(redis.url);
    try {
      assert.ok((await killReaders(redis)) >= 2);
      const opened = a.setClosed(false);
      // The open has run in Redis once the flag is gone.
      while ((await admin.exists(`${prefix}closed`)) === 1) await new Promise((r) => setTimeout(r, 2));
      await admin.xtrim(`${prefix}control`, 'MAXLEN', 0); // before the readers' backoff (≥ 100 ms) ends
      await opened;
      await until('the state re-read from the flag', () => onB.length === 4);
      assert.deepEqual(onB, [true, false, true, false]);
      assert.equal(b.isClosed(), false);
    } finally {
      admin.disconnect();
    }
  });

  test('a subscriber that throws costs the others nothing and is reported', async () => {
    const errors: string[] = [];
    const store = await openStore(redis, freshPrefix(), { onError: (error) => errors.push(error.message) });
    store.subscribe(() => {
      throw new Error('listener failed');
    });
    const seen = record(store);
    const written = [await store.add(flight('M1')), await store.add(flight('M2'))];
    await until('both events', () => seen.length === 2);
    assert.deepEqual(seen, written);
    assert.deepEqual(errors, ['listener failed', 'listener failed']);
  });

  test('connecting to a port where no Redis listens fails with the URL and what to do', async () => {
    await assert.rejects(
      RedisStore.connect({ url: 'redis://127.0.0.1:1', historySize: 10 }),
      /cannot use Redis at redis:\/\/127\.0\.0\.1:1: connect ECONNREFUSED.*start redis-server \(7\.0 or later\) or fix REDIS_URL/,
    );
  });
});

describe('RedisStore when Redis goes away', () => {
  test('down: calls fail fast with unavailable; back with its data: the reader resumes without a resync', async () => {
    const redis = await startRedisServer({ persistence: true });
    const a = await RedisStore.connect({ url: redis.url, historySize: 100, maxBackoffMs: 200 });
    const b = await RedisStore.connect({ url: redis.url, historySize: 100, maxBackoffMs: 200 });
    try {
      const seen = record(a);
      const resyncs: number[] = [];
      a.onResync(() => resyncs.push(1));
      const written = [await b.add(flight('J1'))];
      await until('the first event', () => seen.length === 1);
      await redis.stop();
      const started = Date.now();
      await rejectsWith(
        b.add(flight('J2')),
        'unavailable',
        /Redis at redis:\/\/127\.0\.0\.1:\d+ did not answer/,
      );
      await rejectsWith(b.state(), 'unavailable', /did not answer/);
      await rejectsWith(b.eventsAfter('1-0'), 'unavailable', /did not answer/);
      // A replay of events this instance delivered needs no Redis: served from its memory.
      assert.deepEqual(await a.eventsAfter(written[0]?.id as string), []);
      assert.ok(Date.now() - started < 1000, `failed fast (${Date.now() - started} ms)`);
      await redis.start();
      written.push(
        (await eventually(() => b.update({ flight: 'J1', state: 'back' }), 'a write after the restart'))
          .event,
      );
      for (let i = 0; i < 5; i++) written.push((await b.update({ flight: 'J1', state: `s${i}` })).event);
      await until(`${written.length} events on the other instance`, () => seen.length === written.length);
      assert.deepEqual(seen, written);
      assert.deepEqual(resyncs, [], 'the stream continued: no resync');
    } finally {
      await a.close();
      await b.close();
      await redis.close();
    }
  });

  test('restarted without persistence: the reader detects the new stream and asks for a resync', async () => {
    const redis = await startRedisServer();
    const a = await RedisStore.connect({ url: redis.url, historySize: 100, maxBackoffMs: 200 });
    const b = await RedisStore.connect({ url: redis.url, historySize: 100, maxBackoffMs: 200 });
    try {
      const seen = record(a);
      let resyncs = 0;
      a.onResync(() => resyncs++);
      const old = await b.add(flight('K1'));
      await until('the first event', () => seen.length === 1);
      await redis.stop();
      await redis.start();
      await until('a resync', () => resyncs === 1, 5000);
      const state = await eventually(() => a.state(), 'a read once the commands connection is back');
      assert.deepEqual(state, { lastEventId: '0-0', flights: [] });
      assert.equal(await a.eventsAfter(old.id), undefined, 'an id from before the restart gets a snapshot');
      const fresh = await eventually(() => b.add(flight('K2')), 'a write after the restart');
      await until('the event after the restart', () => seen.length === 2);
      assert.deepEqual(seen[1], fresh);
    } finally {
      await a.close();
      await b.close();
      await redis.close();
    }
  });
});

/** Cuts every reader connection (CLIENT KILL by name); returns how many were cut. */
async function killReaders(redis: TestRedisServer): Promise<number> {
  const admin = new Redis(redis.url);
  try {
    const list = (await admin.client('LIST')) as string;
    const ids = [...list.matchAll(/^id=(\d+) .*name=flight-board-reader /gm)].map((m) => m[1] as string);
    for (const id of ids) await admin.client('KILL', 'ID', id);
    return ids.length;
  } finally {
    admin.disconnect();
  }
}

/** Retries `call` (bounded) until it succeeds, e.g. while a client reconnects. */
async function eventually<T>(call: () => Promise<T>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
