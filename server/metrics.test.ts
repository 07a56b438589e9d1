import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RawSseClient } from '../test/support/raw-sse-client.ts';
import { api, TEST_TOKEN } from '../test/support/rest-client.ts';
import { startTestServer } from '../test/support/test-server.ts';
import type { StreamTransport } from './hub/stream-transport.ts';

/** The value of one sample line (`name{labels} value`) in Prometheus text. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  test('exports clients, events, replays, snapshots, evictions, write errors and refused clients as Prometheus text', async () => {
    const server = await startTestServer({ token: TEST_TOKEN, maxClients: 2, maxBufferedBytes: 4096 });
    const fresh = RawSseClient.open(server.port, { path: '/events' });
    const { lastEventId: head } = await server.store.state();
    const resumed = RawSseClient.open(server.port, { path: '/events', headers: { 'Last-Event-ID': head } });
    try {
      await Promise.all([fresh.waitForEvents(1), resumed.waitFor((r) => r.status === 200)]);
      // A client that reads nothing: every frame stays unsent (5,000 bytes each, to be quick).
      let unsentBytes = 0;
      const stuck: StreamTransport = {
        start: () => undefined,
        write: () => {
          unsentBytes += 5000;
        },
        // Its snapshot is taken by the kernel; what comes after stays unsent.
        writeRun: (_frames, flushed) => flushed(),
        end: () => undefined,
        destroy: () => undefined,
        get unsentBytes() {
          return unsentBytes;
        },
      };
      await server.hub.connect(stuck).ready;
      assert.equal((await fetch(`${server.url}/events`)).status, 503);
      await api(server, 'POST', '/flights', { body: { flight: 'A1', origin: 'x', arrival: '10:00' } });
      await api(server, 'POST', '/flights', { body: { flight: 'A1', origin: 'x', arrival: '10:00' } });
      await api(server, 'POST', '/flights', { body: { flight: 'a1' } });
      await api(server, 'POST', '/flights', { body: {}, token: undefined });
      const res = await fetch(`${server.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      assert.match(text, /# TYPE flight_board_clients_connected gauge/);
      assert.match(text, /# TYPE flight_board_events_emitted_total counter/);
      assert.equal(sample(text, 'flight_board_clients_connected'), 2);
      assert.equal(sample(text, 'flight_board_events_emitted_total'), 1);
      assert.equal(sample(text, 'flight_board_replays_total'), 1);
      assert.equal(sample(text, 'flight_board_snapshots_total'), 2);
      assert.equal(sample(text, 'flight_board_evictions_total'), 1);
      assert.equal(sample(text, 'flight_board_clients_rejected_total'), 1);
      assert.equal(sample(text, 'flight_board_write_errors_total{code="flight-exists"}'), 1);
      assert.equal(sample(text, 'flight_board_write_errors_total{code="invalid-flight"}'), 1);
      assert.equal(sample(text, 'flight_board_write_errors_total{code="unauthorized"}'), 1);
    } finally {
      fresh.close();
      resumed.close();
      await server.close();
    }
  });
});
