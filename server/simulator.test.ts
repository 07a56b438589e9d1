import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';
import type { StreamEvent } from '../protocol/protocol.ts';
import { createRandom, SEED_FLIGHTS, Simulator } from './simulator.ts';
import { MemoryStore } from './store/memory-store.ts';

async function timetable(seed: number, ticks: number): Promise<string[]> {
  const store = new MemoryStore(1000, { epoch: 1 }); // the same ids in both runs
  const events: StreamEvent[] = [];
  store.subscribe((e) => events.push(e));
  const simulator = new Simulator(store, { seed, speed: 1 });
  await simulator.start();
  simulator.stop();
  for (let i = 0; i < ticks; i++) await simulator.tick();
  return events.map((e) => `${e.id} ${e.event} ${e.data}`);
}

describe('the simulator', () => {
  test('the same seed gives the same timetable; another seed a different one', async () => {
    const a = await timetable(42, 60);
    assert.deepEqual(await timetable(42, 60), a);
    assert.notDeepEqual(await timetable(43, 60), a);
    assert.ok(a.length > SEED_FLIGHTS.length + 30, `${a.length} events in 60 ticks`);
  });

  test('flights move through states, land or are cancelled, are removed, and new ones arrive', async () => {
    const events = await timetable(7, 200);
    const text = events.join('\n');
    for (const pattern of [
      /"state":"landing"/,
      /"state":"landed"/,
      /flightRemoval/,
      /flightAdded.*"state":"scheduled"/,
    ]) {
      assert.match(text, pattern);
    }
    const added = events.filter((e) => e.includes('flightAdded')).length;
    assert.ok(added > SEED_FLIGHTS.length, 'new flights arrive after the seed six');
  });

  test('SIMULATE_SPEED divides the tick interval (speed 4: a tick every 500 ms instead of 2 s)', async () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const store = new MemoryStore(100);
      let events = 0;
      store.subscribe(() => events++);
      const simulator = new Simulator(store, { seed: 1, speed: 4 });
      await simulator.start();
      const seeded = events;
      mock.timers.tick(499);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(events, seeded, 'no tick before 500 ms');
      mock.timers.tick(1);
      await new Promise((resolve) => setImmediate(resolve));
      assert.ok(events > seeded, 'a tick at 500 ms');
      simulator.stop();
    } finally {
      mock.timers.reset();
    }
  });

  test('createRandom is a deterministic stream in [0, 1)', () => {
    const a = createRandom(5);
    const b = createRandom(5);
    for (let i = 0; i < 1000; i++) {
      const x = a();
      assert.equal(x, b());
      assert.ok(x >= 0 && x < 1);
    }
  });
});
