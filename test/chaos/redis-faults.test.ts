import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { FlightEvent } from '../../protocol/protocol.ts';
import { DEFAULT_CONFIG } from '../../server/config.ts';
import { startServer } from '../../server/start.ts';
import { MemoryStore } from '../../server/store/memory-store.ts';
import { capturedLogger } from '../support/log-capture.ts';
import { freshPrefix, openStream, runCleanups, startInstance } from '../support/redis-instances.ts';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.ts';
import { api } from '../support/rest-client.ts';
import { startTestServer } from '../support/test-server.ts';
import { until } from '../support/until.ts';

// Faults of issue 18, each replayed against real processes: Redis frozen mid-write, an
// instance restarted under a resuming client, the Redis password changed under a running server.

/** Waits (bounded) until an asynchronous check holds. */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const rome = { flight: 'I768', origin: 'Rome', arrival: '10:10', state: 'scheduled' };
const oslo = { flight: 'K100', origin: 'Oslo', arrival: '11:40', state: 'scheduled' };

describe('Redis paused for 3 s while writes are under way', () => {
  let redis: TestRedisServer;
  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await runCleanups();
    redis.resume();
    await redis.close();
  });

  test('the writes answer 504 outcome-unknown, apply once Redis is back, and a retry with the key answers their outcome without applying them twice', async () => {
    const prefix = freshPrefix('pause');
    const [a, b] = [await startInstance(redis, prefix), await startInstance(redis, prefix)];
    assert.equal((await api(a, 'POST', '/flights', { body: rome })).status, 201);
    const watcher = openStream(b.port);
    await watcher.waitForEvents(1);
    const patch = { body: { state: 'landing' }, headers: { 'Idempotency-Key': 'pause-patch-1' } };
    const post = { body: oslo, headers: { 'Idempotency-Key': 'pause-post-1' } };

    redis.pause();
    let answers: Awaited<ReturnType<typeof api>>[];
    try {
      answers = await Promise.all([
        api(a, 'PATCH', '/flights/I768', patch),
        api(a, 'POST', '/flights', post),
      ]);
    } finally {
      await new Promise((resolve) => setTimeout(resolve, 3000 - 2000)); // 3 s in all: past the 2 s command timeout
      redis.resume();
    }
    for (const answer of answers) {
      assert.equal(answer.status, 504, JSON.stringify(answer.body));
      assert.equal((answer.body as { error: { code: string } }).error.code, 'outcome-unknown');
    }
    // Both writes were in Redis's buffer: they apply now, and every instance sees them.
    const { events } = await watcher.waitForEvents(3, 5000);
    assert.deepEqual(
      events
        .slice(1)
        .map((e) => e.event)
        .sort(),
      [FlightEvent.added, FlightEvent.stateUpdate].sort(),
    );
    // The client retries with the same keys, on the other instance: the first outcome, nothing new.
    const patched = await api(b, 'PATCH', '/flights/I768', patch);
    const posted = await api(b, 'POST', '/flights', post);
    assert.equal(patched.status, 200);
    assert.equal((patched.body as { state: string }).state, 'landing');
    assert.equal(posted.status, 201, 'not 409: the retry learns its own write succeeded');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(watcher.response.events.length, 3, 'the retries emitted nothing');
  });

  test('Redis down (not paused): a write answers 503 and certainly did not happen', async () => {
    const down = await startRedisServer({ persistence: true });
    try {
      const instance = await startInstance(down, freshPrefix('down'));
      await down.stop();
      const answer = await api(instance, 'POST', '/flights', { body: rome });
      assert.equal(answer.status, 503);
      await down.start();
      await eventually(
        'the instance to reconnect',
        async () => (await api(instance, 'GET', '/flights')).status === 200,
      );
      const { body } = await api(instance, 'GET', '/flights');
      assert.deepEqual((body as { flights: unknown[] }).flights, [], 'the 503 write never applied');
    } finally {
      await down.close();
    }
  });
});

describe('an instance restarts under a client that resumes', () => {
  test('memory mode: the id from before the restart gets a snapshot, never events of the new history', async () => {
    const before = await startTestServer({}, new MemoryStore(100));
    for (let i = 0; i < 5; i++) await before.store.add({ ...rome, flight: `A${i}` });
    const clientAt = (await before.store.state()).lastEventId;
    await before.close();
    const restarted = await startTestServer({}, new MemoryStore(100));
    try {
      for (let i = 0; i < 8; i++) await restarted.store.add({ ...oslo, flight: `B${i}` });
      const client = restarted.openStream({ headers: { 'Last-Event-ID': clientAt } });
      const { events } = await client.waitForEvents(1);
      assert.equal(events[0]?.event, FlightEvent.snapshot);
      assert.equal(JSON.parse(events[0]?.data ?? '{}').flights.length, 8, 'the board that exists');
      client.close();
    } finally {
      await restarted.close();
    }
  });

  test('Redis mode: the history outlives the instance, so the client replays exactly what it missed', async () => {
    const redis = await startRedisServer();
    try {
      const prefix = freshPrefix('restart');
      const first = await startInstance(redis, prefix);
      const written = [await first.store.add({ ...rome })];
      const clientAt = written[0]?.id ?? '';
      await first.close();
      const second = await startInstance(redis, prefix);
      for (let i = 0; i < 8; i++)
        written.push((await second.store.update({ flight: 'I768', state: `s${i}` })).event);
      const client = openStream(second.port, clientAt);
      const { events } = await client.waitForEvents(8);
      assert.deepEqual(
        events.map((e) => e.id),
        written.slice(1).map((e) => e.id),
      );
    } finally {
      await runCleanups();
      await redis.close();
    }
  });
});

describe('the Redis password changes under a running server', () => {
  test('it logs the refused logins without the password, and recovers once the password is back', async () => {
    const [password, next] = ['chaos-pw-4f1e-first', 'chaos-pw-9a2c-second'];
    const redis = await startRedisServer({ password });
    const { logger, lines } = capturedLogger('info');
    const server = await startServer(
      { ...DEFAULT_CONFIG, host: '127.0.0.1', port: 0, redisUrl: redis.url },
      logger,
    );
    const admin = new Redis(redis.url);
    admin.on('error', () => undefined); // it too is cut, and refused, once the password changes
    try {
      await admin.config('SET', 'requirepass', next);
      await admin.call('CLIENT', 'KILL', 'TYPE', 'normal').catch(() => undefined);
      await until('refused logins in the log', () => lines.some((l) => l.includes('WRONGPASS')));
      const withSecondPassword = new Redis(`redis://:${next}@127.0.0.1:${redis.port}`);
      await withSecondPassword.config('SET', 'requirepass', password);
      withSecondPassword.disconnect();
      await eventually(
        'the server to log in again',
        async () => (await fetch(`${server.url}flights`)).status === 200,
        8000,
      );
      for (const line of lines)
        assert.ok(!line.includes('chaos-pw-'), `a log line holds a password: ${line}`);
    } finally {
      admin.disconnect();
      await server.shutdown();
      await redis.close();
    }
  });
});
