import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Flight } from '../../protocol/protocol.ts';
import { StoreError } from '../../server/store/flight-store.ts';
import { RedisStore } from '../../server/store/redis-store.ts';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.ts';
import { api, TEST_TOKEN } from '../support/rest-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { EventOrder } from './board-replica.ts';
import type { Write } from './event-writer.ts';
import { runChaos } from './run-chaos.ts';
import { chaosSeed, SeededRandom, withSeed } from './seeded-random.ts';

// ---- helpers ---------------------------------------------------------------------------

const INSTANCES = 3;
const KEY_PREFIX = `{chaos-${process.pid}}:`;

/** Instances over one Redis; killed ones are replaced, and clients pick any live one per connection. */
class Cluster {
  readonly live: TestServer[] = [];
  readonly order = new EventOrder();
  kills = 0;

  constructor(readonly redis: TestRedisServer) {}

  async startInstance(): Promise<TestServer> {
    const store = await RedisStore.connect({
      url: this.redis.url,
      historySize: 1000,
      keyPrefix: KEY_PREFIX,
      maxBackoffMs: 100,
    });
    const server = await startTestServer({ token: TEST_TOKEN, retryMs: 20, heartbeatMs: 60_000 }, store);
    store.onResync(() => server.hub.endAll());
    store.subscribe((event) => this.order.record(event.id));
    this.live.push(server);
    return server;
  }

  pick(rng: SeededRandom): TestServer {
    return rng.pick(this.live);
  }

  /** Kills one instance the way a crash looks from outside: every socket cut at once. */
  async kill(rng: SeededRandom): Promise<void> {
    const victim = this.live.splice(rng.int(0, this.live.length - 1), 1)[0];
    if (!victim) return;
    this.kills++;
    victim.server.closeAllConnections();
    await victim.close();
    await this.startInstance();
  }

  async close(): Promise<void> {
    for (const server of this.live.splice(0)) await server.close();
  }
}

/** A failure worth retrying: Redis or the instance is away for a moment. */
class Retry extends Error {}

async function writeOnce(cluster: Cluster, rng: SeededRandom, write: Write, retried: boolean): Promise<void> {
  const server = cluster.pick(rng);
  if (rng.chance(0.3)) {
    const answer = await (write.kind === 'add'
      ? api(server, 'POST', '/flights', { body: write.flight })
      : write.kind === 'update'
        ? api(server, 'PATCH', `/flights/${write.update.flight}`, { body: write.update })
        : api(server, 'DELETE', `/flights/${write.flight}`)
    ).catch((error: unknown) => {
      throw new Retry(String(error));
    });
    if (answer.status < 300) return;
    if (answer.status === 503) throw new Retry('503');
    // The previous attempt was applied but its answer was lost with Redis or the instance.
    if (retried && (answer.status === 409 || answer.status === 404) && write.kind !== 'update') return;
    assert.fail(`${write.kind} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
  try {
    if (write.kind === 'add') await server.store.add(write.flight);
    else if (write.kind === 'update') await server.store.update(write.update);
    else await server.store.remove(write.flight);
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    if (error.code === 'unavailable') throw new Retry(error.message);
    if (retried && write.kind !== 'update') return;
    throw error;
  }
}

/** Writes through a random instance (store or REST), retrying while Redis restarts (bounded: 10 s). */
async function durableWrite(cluster: Cluster, rng: SeededRandom, write: Write): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (let retried = false; ; retried = true) {
    try {
      await writeOnce(cluster, rng, write, retried);
      return;
    } catch (error) {
      if (!(error instanceof Retry) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

// ---- behaviour -------------------------------------------------------------------------

test('Redis mode: 50 clients over 3 instances, with instance kills and a Redis restart, end on the server board with every event once', async (t) => {
  const seed = chaosSeed(20261125);
  const rng = new SeededRandom(seed);
  const redis = await startRedisServer({ persistence: true });
  const cluster = new Cluster(redis);
  let redisRestarts = 0;
  let restarting: Promise<void> | undefined;
  try {
    for (let i = 0; i < INSTANCES; i++) await cluster.startInstance();
    const figures = await withSeed(seed, () =>
      runChaos(
        {
          streamPort: () => cluster.pick(rng).port,
          write: (w) => durableWrite(cluster, rng, w),
          order: cluster.order,
          board: async () =>
            (await api(cluster.pick(rng), 'GET', '/flights')).body as {
              lastEventId: string;
              flights: Flight[];
            },
          closeStreams: async () => {
            for (const server of cluster.live)
              assert.equal((await api(server, 'POST', '/close')).status, 204);
          },
          faults: [
            { name: 'instance killed', when: (_, r) => r.chance(1 / 700), inject: (r) => cluster.kill(r) },
            {
              // Redis goes away mid-run (its data is on disk) and comes back a moment later,
              // while writes are retried and clients reconnect.
              name: 'Redis restarted',
              when: (index) => index === 2500,
              inject: async (r) => {
                redisRestarts++;
                await redis.stop();
                const downMs = r.int(300, 800);
                restarting = new Promise((resolve) => setTimeout(resolve, downMs)).then(() => redis.start());
              },
            },
          ],
        },
        rng,
        { rawClients: 25, eventSourceClients: 25, events: 5000, settleMs: 20_000 },
      ),
    );
    t.diagnostic(
      `seed ${seed}: ${JSON.stringify({ ...figures, instanceKills: cluster.kills, redisRestarts })}`,
    );
    assert.ok(figures.eventsSent >= 5000, `${figures.eventsSent} events`);
    assert.equal(redisRestarts, 1);
    assert.ok(figures.clientCuts > 500, `only ${figures.clientCuts} client cuts were injected`);
    assert.ok(figures.resumedInside > 500, `only ${figures.resumedInside} resumes inside the history`);
    const boards = await Promise.all(cluster.live.map(async (s) => (await api(s, 'GET', '/flights')).body));
    for (const board of boards) assert.deepEqual(board, boards[0], 'every instance answers the same board');
  } finally {
    await restarting;
    await cluster.close();
    await redis.close();
  }
});
