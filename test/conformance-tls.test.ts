import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { formatText } from '../conformance/report/text.ts';
import { runConformance } from '../conformance/run.ts';
import type { Report } from '../conformance/types.ts';
import { Simulator } from '../server/simulator.ts';
import { startNginx } from './support/nginx.ts';
import { cleanups, freshPrefix, startInstance, useRedisServer } from './support/redis-instances.ts';
import { testCertificate } from './support/test-certificate.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

// The conformance kit, over HTTPS with HTTP/1.1 and with HTTP/2 (--http2), against the reference
// server with TLS_CERT/TLS_KEY, and against deploy/nginx.conf's TLS listener (`ssl http2`). The
// self-signed test certificates are trusted as a user would, with --ca.
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

  for (const http2 of [false, true]) {
    test(`the reference server with TLS_CERT/TLS_KEY passes the flight-board profile over ${http2 ? 'HTTP/2' : 'HTTP/1.1'}`, async () => {
      const report = await runConformance({
        url: `${server.url}/events`,
        origins: [ORIGIN],
        profile: 'flight-board',
        ca: testCertificate().cert.toString(),
        http2,
      });
      assert.deepEqual(notPassing(report), [], formatText(report));
    });
  }
});

describe('the conformance kit behind nginx with TLS (deploy/nginx.conf)', () => {
  const redisServer = useRedisServer();

  test('two instances over one Redis, behind the TLS listener, pass the flight-board profile over HTTP/1.1 and HTTP/2', async () => {
    const prefix = freshPrefix('kit');
    const a = await startInstance(redisServer(), prefix, { corsOrigins: [ORIGIN], heartbeatMs: 400 });
    const b = await startInstance(redisServer(), prefix, { corsOrigins: [ORIGIN], heartbeatMs: 400 });
    const simulator = new Simulator(a.store, { seed: 7, speed: 2 });
    await simulator.start();
    cleanups.push(() => simulator.stop());
    const nginx = await startNginx([a.port, b.port]);
    cleanups.push(() => nginx.close());
    for (const http2 of [false, true]) {
      const report = await runConformance({
        url: `${nginx.tlsUrl}/events`,
        origins: [ORIGIN],
        profile: 'flight-board',
        ca: nginx.tlsCa,
        http2,
      });
      assert.deepEqual(
        notPassing(report),
        [],
        `over ${http2 ? 'HTTP/2' : 'HTTP/1.1'}:\n${formatText(report)}`,
      );
    }
  });
});
