import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StreamEvent } from '../../protocol/protocol.ts';
import { MemoryStore } from './memory-store.ts';

const ID = /^\d{1,20}-\d{1,20}$/;

/** `count` state changes of flight F1 (after adding it): events 1 … count + 1. */
async function history(store: MemoryStore, count: number): Promise<StreamEvent[]> {
  const events = [await store.add({ flight: 'F1', origin: 'x', arrival: '10:00', state: '' })];
  for (let i = 0; i < count; i++) events.push((await store.update({ flight: 'F1', state: `s${i}` })).event);
  return events;
}

describe('MemoryStore ids (<epoch>-<n>)', () => {
  test('are the epoch then a counter from 1; the head before any event is <epoch>-0', async () => {
    const store = new MemoryStore(10, { epoch: 1_700_000_000_000 });
    assert.equal((await store.state()).lastEventId, '1700000000000-0');
    const events = await history(store, 2);
    assert.deepEqual(
      events.map((e) => e.id),
      ['1700000000000-1', '1700000000000-2', '1700000000000-3'],
    );
    assert.ok(events.every((e) => ID.test(e.id)));
    assert.deepEqual(
      (await store.eventsAfter('1700000000000-1'))?.map((e) => e.id),
      ['1700000000000-2', '1700000000000-3'],
    );
  });

  test('a client at event 5, a restart, 8 new events: resuming from 5 gets a snapshot, not events 6–8 of another history', async () => {
    const before = new MemoryStore(100);
    const seen = await history(before, 4);
    const clientAt = seen[4]?.id ?? '';
    await before.close();
    const restarted = new MemoryStore(100); // the same process or a new one: a later epoch
    await history(restarted, 7);
    assert.notEqual(restarted.epoch, before.epoch);
    assert.equal(await restarted.eventsAfter(clientAt), undefined, 'undefined: the caller sends a snapshot');
    assert.ok(restarted.isAfter((await restarted.state()).lastEventId, clientAt), 'ids still increase');
  });

  test('two instances behind one balancer never issue the same id', async () => {
    const [a, b] = [new MemoryStore(10), new MemoryStore(10)];
    const [ea, eb] = [await history(a, 3), await history(b, 3)];
    const ids = new Set([...ea, ...eb].map((e) => e.id));
    assert.equal(ids.size, 8);
    assert.equal(await b.eventsAfter(ea[1]?.id ?? ''), undefined, "a's id is not b's history");
  });

  const malformed = [
    '5',
    '1700000000000-05',
    '1700000000000--1',
    '1700000000000-1.0',
    ' 1700000000000-1',
    '1700000000000-1e3',
  ];
  for (const id of malformed) {
    test(`${JSON.stringify(id)} is not an id this store issued → undefined (a snapshot)`, async () => {
      const store = new MemoryStore(10, { epoch: 1_700_000_000_000 });
      await history(store, 3);
      assert.equal(await store.eventsAfter(id), undefined);
    });
  }
});

describe('MemoryStore closed state (the interface has no optional members)', () => {
  test('setClosed notifies once per change with the head id; isClosed follows', async () => {
    const store = new MemoryStore(10, { epoch: 5 });
    const changes: [boolean, string][] = [];
    const off = store.onClosedChange((closed, headId) => changes.push([closed, headId]));
    await history(store, 0);
    await store.setClosed(true);
    await store.setClosed(true);
    assert.equal(store.isClosed(), true);
    await store.setClosed(false);
    off();
    await store.setClosed(true);
    assert.deepEqual(changes, [
      [true, '5-1'],
      [false, '5-1'],
    ]);
  });
});
