import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Simulator } from '../server/simulator.ts';
import { testCertificate } from '../test/support/test-certificate.ts';
import { startTestServer, type TestServer } from '../test/support/test-server.ts';
import { formatText } from './report/text.ts';
import { runConformance } from './run.ts';
import type { Report } from './types.ts';

// The reference server must pass every check the kit has, and the default suite must finish
// in under 15 s against a server that emits at least one event a second.
const ORIGIN = 'https://board.example';
const TOKEN = 'conformance-test-token';

function notPassing(report: Report): string[] {
  return report.results.filter((r) => r.status === 'fail' || r.status === 'warn').map((r) => r.id);
}

describe('the reference server', () => {
  let server: TestServer;
  let simulator: Simulator;

  before(async () => {
    server = await startTestServer({ corsOrigins: [ORIGIN], token: TOKEN, heartbeatMs: 400 });
    simulator = new Simulator(server.store, { seed: 7, speed: 2 }); // a tick a second: ≥ 1 event/s
    await simulator.start();
  });
  after(async () => {
    simulator.stop();
    await server.close();
  });

  test('passes the default suite with the flight-board profile in under 15 s', async (t) => {
    const report = await runConformance({
      url: `${server.url}/events`,
      origins: [ORIGIN],
      profile: 'flight-board',
    });
    assert.deepEqual(notPassing(report), [], formatText(report));
    assert.ok(report.durationMs < 15_000, `took ${report.durationMs} ms\n${formatText(report)}`);
    t.diagnostic(`default suite: ${report.results.length} checks in ${report.durationMs} ms`);
    const skipped = report.results.filter((r) => r.status === 'skip').map((r) => r.id);
    assert.deepEqual(skipped.sort(), [
      'headers.profile-204-after-close',
      'headers.redirect-followed',
      'heartbeat.max-gap',
      'http2.multiplexed',
      'http2.no-connection-headers',
      'http2.no-stream-reset',
    ]);
  });

  test('passes the heartbeat check with a window the timeout allows', async () => {
    const report = await runConformance({
      url: `${server.url}/events`,
      only: ['heartbeat'],
      heartbeatMs: 1000,
      timeoutMs: 2500,
    });
    assert.deepEqual(
      report.results.map((r) => [r.id, r.status]),
      [
        ['heartbeat.max-gap', 'pass'],
        ['heartbeat.between-events', 'pass'],
      ],
      formatText(report),
    );
  });
});

describe('the reference server over HTTP/2 with TLS', () => {
  let server: TestServer;
  let simulator: Simulator;

  before(async () => {
    server = await startTestServer(
      { corsOrigins: [ORIGIN], token: TOKEN, heartbeatMs: 400 },
      { protocol: 'h2' },
    );
    simulator = new Simulator(server.store, { seed: 7, speed: 2 });
    await simulator.start();
  });
  after(async () => {
    simulator.stop();
    await server.close();
  });

  test('passes the default suite and the http2 checks over one h2 connection (ALPN, --ca)', async () => {
    assert.match(server.url, /^https:/);
    const report = await runConformance({
      url: `${server.url}/events`,
      origins: [ORIGIN],
      profile: 'flight-board',
      http2: true,
      ca: testCertificate().cert.toString(),
    });
    assert.deepEqual(notPassing(report), [], formatText(report));
    assert.match(report.results.find((r) => r.id === 'headers.status-200')?.evidence ?? '', /^HTTP\/2 200/);
    for (const id of ['http2.no-connection-headers', 'http2.multiplexed', 'http2.no-stream-reset'])
      assert.equal(report.results.find((r) => r.id === id)?.status, 'pass', `${id}\n${formatText(report)}`);
  });
});

describe('a reference server that emits only when poked', () => {
  for (const via of ['--trigger-url', '--trigger-cmd'] as const) {
    test(`passes replay, ids and robustness through ${via}`, async () => {
      const server = await startTestServer({ corsOrigins: [ORIGIN] });
      await server.store.add({ flight: 'I768', origin: 'Rome', arrival: '10:10', state: 'scheduled' });
      let n = 0;
      const states = ['on time', 'delayed', 'landing'];
      const trigger = createServer((_req, res) => {
        void server.store
          .update({ flight: 'I768', state: states[n++ % states.length] as string })
          .then(() => res.end());
      });
      await new Promise<void>((resolve) => trigger.listen(0, '127.0.0.1', resolve));
      const poke = `http://127.0.0.1:${(trigger.address() as AddressInfo).port}/poke`;
      const how =
        via === '--trigger-url'
          ? { triggerUrl: poke }
          : { triggerCmd: `"${process.execPath}" -e "fetch('${poke}', { method: 'POST' })"` };
      try {
        const report = await runConformance({
          url: `${server.url}/events`,
          ...how,
          only: ['replay', 'ids', 'robustness'],
          profile: 'flight-board',
          timeoutMs: 5000,
        });
        assert.deepEqual(notPassing(report), [], formatText(report));
        assert.equal(report.summary.skipped, 0, formatText(report));
        assert.ok(n >= 3, `trigger called ${n} times`);
      } finally {
        trigger.closeAllConnections();
        await new Promise<void>((resolve) => trigger.close(() => resolve()));
        await server.close();
      }
    });
  }
});

describe('a quiet reference server (no simulator, heartbeats rarer than the timeout)', () => {
  test('gets no warning from robustness: a stream with nothing after its snapshot is no evidence', async () => {
    const server = await startTestServer({ corsOrigins: [ORIGIN], heartbeatMs: 15_000 });
    try {
      const report = await runConformance({
        url: `${server.url}/events`,
        only: ['robustness'],
        timeoutMs: 2000,
      });
      assert.deepEqual(notPassing(report), [], formatText(report));
      const churn = report.results.find((r) => r.id === 'robustness.disconnect-churn');
      assert.equal(churn?.status, 'skip', formatText(report));
    } finally {
      await server.close();
    }
  });
});

describe('--close-url on the reference server', () => {
  test('open streams get closedConnection and new ones 204', async () => {
    const server = await startTestServer({ corsOrigins: [ORIGIN], token: TOKEN });
    try {
      const report = await runConformance({
        url: `${server.url}/events`,
        only: ['headers'],
        profile: 'flight-board',
        closeUrl: `${server.url}/close`,
        triggerHeaders: { Authorization: `Bearer ${TOKEN}` },
        timeoutMs: 2000,
      });
      const close = report.results.find((r) => r.id === 'headers.profile-204-after-close');
      assert.equal(close?.status, 'pass', formatText(report));
      assert.deepEqual(notPassing(report), [], formatText(report));
    } finally {
      await server.close();
    }
  });
});
