import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import type { Flight } from '../../protocol/protocol.ts';
import type { FlightStore } from '../../server/store/flight-store.ts';
import { api, TEST_TOKEN } from '../support/rest-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { EventOrder } from './board-replica.ts';
import type { Write, WriteSink } from './event-writer.ts';
import { runChaos } from './run-chaos.ts';
import { chaosSeed, SeededRandom, withSeed } from './seeded-random.ts';

// ---- helpers ---------------------------------------------------------------------------

/** A write straight to the store (the fast path the simulator uses). */
async function storeWrite(store: FlightStore, write: Write): Promise<void> {
  if (write.kind === 'add') await store.add(write.flight);
  else if (write.kind === 'update') await store.update(write.update);
  else await store.remove(write.flight);
}

/** The same write through the REST API, which must accept it. */
export async function restWrite(server: { url: string }, write: Write): Promise<void> {
  const answer =
    write.kind === 'add'
      ? await api(server, 'POST', '/flights', { body: write.flight })
      : write.kind === 'update'
        ? await api(server, 'PATCH', `/flights/${write.update.flight}`, { body: write.update })
        : await api(server, 'DELETE', `/flights/${write.flight}`);
  assert.ok(answer.status < 300, `${write.kind} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
}

/** Sockets of open `/events` streams, so the server side can cut one mid-write. */
function trackStreamSockets(server: TestServer): Set<Socket> {
  const sockets = new Set<Socket>();
  server.server.on('request', (req, res) => {
    if (!req.url?.startsWith('/events')) return;
    sockets.add(req.socket);
    // Forget it when the stream's response ends, not when the socket closes: an ended stream's
    // keep-alive socket goes back to the client's pool and may carry a REST write next, which
    // this fault must never cut ("fetch failed" in a CI run).
    res.once('close', () => sockets.delete(req.socket));
  });
  return sockets;
}

// ---- behaviour -------------------------------------------------------------------------

test('memory mode: 50 clients cut at random byte offsets through 5,000 events all end on the server board, each event seen once', async (t) => {
  const seed = chaosSeed(20261124);
  const rng = new SeededRandom(seed);
  const server = await startTestServer({
    historySize: 1000,
    retryMs: 20,
    heartbeatMs: 60_000,
    token: TEST_TOKEN,
  });
  const order = new EventOrder();
  const unsubscribe = server.store.subscribe((event) => order.record(event.id));
  const streamSockets = trackStreamSockets(server);
  const write: WriteSink = (w) => (rng.chance(0.2) ? restWrite(server, w) : storeWrite(server.store, w));
  try {
    const figures = await withSeed(seed, () =>
      runChaos(
        {
          streamPort: () => server.port,
          write,
          order,
          board: async () =>
            (await api(server, 'GET', '/flights')).body as { lastEventId: string; flights: Flight[] },
          closeStreams: async () => {
            assert.equal((await api(server, 'POST', '/close')).status, 204);
          },
          faults: [
            // The server drops every stream at once without closedConnection (a restart, a proxy reload).
            {
              name: 'all streams ended by the server',
              when: (_, r) => r.chance(1 / 800),
              inject: () => server.hub.endAll(),
            },
            // The server side of one stream dies wherever its writes are (mid-event included).
            {
              name: 'one stream socket destroyed by the server',
              when: (_, r) => r.chance(1 / 60),
              inject: (r) => {
                const sockets = [...streamSockets];
                if (sockets.length > 0) r.pick(sockets).destroy();
              },
            },
          ],
        },
        rng,
        { rawClients: 25, eventSourceClients: 25, events: 5000, settleMs: 15_000 },
      ),
    );
    t.diagnostic(`seed ${seed}: ${JSON.stringify(figures)}`);
    assert.equal(figures.eventsSent, 5000);
    assert.ok(figures.clientCuts > 500, `only ${figures.clientCuts} client cuts were injected`);
    assert.ok(figures.resumedInside > 500, `only ${figures.resumedInside} resumes inside the history`);
    assert.ok(figures.resyncs > 0, 'some resumes fell outside the history and got a snapshot');
  } finally {
    unsubscribe();
    await server.close();
  }
});
