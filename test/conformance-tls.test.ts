import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { formatText } from '../conformance/report/text.ts';
import { runConformance } from '../conformance/run.ts';
import type { Report } from '../conformance/types.ts';
import { Simulator } from '../server/simulator.ts';
import { startNginx } from './support/nginx.ts';
import { cleanups, freshPrefix, startInstance, useRedisServer } from './support/redis-instances.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

// The conformance kit (over HTTPS with HTTP/1.1: it has no HTTP/2 client yet) against the
// reference server with TLS_CERT/TLS_KEY, and against deploy/nginx.conf's TLS listener.
const ORIGIN = 'https://board.example';

function notPassing(report: Report): string[] {
  return report.results.filter((r) => r.status === 'fail' || r.status === 'warn').map((r) => r.id);
}

describe('the conformance kit over HTTPS', () => {
  let server: TestServer;
  let simulator: Simulator;
  before(async () => {
    // protocol 'h2' = the HTTPS server (HTTP/2 and HTTP/1.1 by ALPN), test certificate accepted.
    server = await startTestServer({ corsOrigins: [ORIGIN], heartbeatMs: 400 }, { protocol: 'h2' });
    simulator = new Simulator(server.store, { seed: 7, speed: 2 });
    await simulator.start();
  });
  after(async () => {
    simulator.stop();
    await server.close();
  });

  test('the reference server with TLS_CERT/TLS_KEY passes the flight-board profile', async () => {
    const report = await runConformance({
      url: `${server.url}/events`,
      origins: [ORIGIN],
      profile: 'flight-board',
    });
    assert.deepEqual(notPassing(report), [], formatText(report));
  });
});

describe('the conformance kit behind nginx with TLS (deploy/nginx.conf)', () => {
  const redisServer = useRedisServer();

  test('two instances over one Redis, behind the TLS listener, pass the flight-board profile', async () => {
    const prefix = freshPrefix('kit');
    const a = await startInstance(redisServer(), prefix, { corsOrigins: [ORIGIN], heartbeatMs: 400 });
    const b = await startInstance(redisServer(), prefix, { corsOrigins: [ORIGIN], heartbeatMs: 400 });
    const simulator = new Simulator(a.store, { seed: 7, speed: 2 });
    await simulator.start();
    cleanups.push(() => simulator.stop());
    const nginx = await startNginx([a.port, b.port]);
    cleanups.push(() => nginx.close());
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // nginx's test certificate is self-signed
    const report = await runConformance({
      url: `${nginx.tlsUrl}/events`,
      origins: [ORIGIN],
      profile: 'flight-board',
    });
    assert.deepEqual(notPassing(report), [], formatText(report));
  });
});
