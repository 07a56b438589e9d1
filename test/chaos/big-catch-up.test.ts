import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FlightEvent } from '../../protocol/protocol.ts';
import { freshPrefix, openStream, runCleanups, startInstance } from '../support/redis-instances.ts';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.ts';
import { api } from '../support/rest-client.ts';

// A board larger than MAX_BUFFERED_BYTES (72 flights × 15 KB, over the 1 MiB default), over Redis:
// every client that reads gets its whole snapshot or replay and stays live, however many connect
// at once, and after a drop each resumes by replay. Before issue 18.2, each was reset by its own
// catch-up and reconnected into the same reset forever.

const FLIGHTS = 72;
const CLIENTS = 12;

function bigFlight(i: number) {
  return { flight: `B${i}`, origin: 'x'.repeat(15_000), arrival: '10:00', state: 'scheduled' };
}

describe('a catch-up larger than MAX_BUFFERED_BYTES, over Redis, under a storm', () => {
  let redis: TestRedisServer;
  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await runCleanups();
    await redis.close();
  });

  test(`${CLIENTS} clients at once (snapshots and a whole-history replay) all go live, none evicted, and each resumes after a drop`, async () => {
    const prefix = freshPrefix('big');
    const [a, b] = [await startInstance(redis, prefix), await startInstance(redis, prefix)];
    const first = await a.store.add(bigFlight(0));
    for (let i = 1; i < FLIGHTS; i++) await a.store.add(bigFlight(i));
    const board = await a.store.state();
    assert.ok(
      JSON.stringify(board.flights).length > a.config.maxBufferedBytes,
      'the board is over the limit',
    );

    // Half take a snapshot, half replay the whole history (over 1 MiB too), across both instances.
    const clients = Array.from({ length: CLIENTS }, (_, i) =>
      openStream((i % 2 === 0 ? a : b).port, i % 4 < 2 ? undefined : first.id),
    );
    const live = await api(a, 'PATCH', '/flights/B1', { body: { state: 'landing' } });
    assert.equal(live.status, 200);
    for (const [i, client] of clients.entries()) {
      await client.waitFor(
        (r) => r.events.some((e) => e.event === FlightEvent.stateUpdate && e.data.includes('landing')),
        20_000,
        `client ${i} live`,
      );
    }
    assert.equal(a.hub.stats.evictions + b.hub.stats.evictions, 0, 'no client evicted for its own catch-up');

    // A drop: every client resumes from its last id and gets exactly what it missed.
    const lastIds = clients.map((client) => client.response.events.at(-1)?.id ?? '');
    a.hub.endAll();
    b.hub.endAll();
    await b.store.update({ flight: 'B2', state: 'landed' });
    const resumed = lastIds.map((id, i) => openStream((i % 2 === 0 ? b : a).port, id));
    for (const [i, client] of resumed.entries()) {
      const { events } = await client.waitForEvents(1, 10_000);
      assert.equal(events[0]?.event, FlightEvent.stateUpdate, `client ${i}: a replay, not a snapshot`);
      assert.match(events[0]?.data ?? '', /"landed"/);
    }
    assert.equal(a.hub.stats.evictions + b.hub.stats.evictions, 0);
  });
});
