import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testCertificate } from '../test/support/test-certificate.ts';
import { FIXTURE_ORIGIN, type Fixture, startFixture } from './fixtures/index.ts';
import { formatText } from './report/text.ts';
import { runConformance } from './run.ts';

// --http2: the same checks over one multiplexed HTTP/2 connection, against node:http2 fixtures:
// h2 negotiated by ALPN over TLS (a self-signed certificate made for the tests) and h2c with
// prior knowledge over http:.
const RUN = { timeoutMs: 3000, heartbeatMs: 1500, origins: [FIXTURE_ORIGIN], http2: true };

describe('HTTP/2 targets', () => {
  const certificate = testCertificate();
  let h2: Fixture;
  let h2c: Fixture;

  before(async () => {
    [h2, h2c] = await Promise.all([
      startFixture({ http2: true, tls: { key: certificate.key, cert: certificate.cert } }),
      startFixture({ http2: true }),
    ]);
  });
  after(() => Promise.all([h2.close(), h2c.close()]));

  for (const [name, options, check] of [
    ['a server that allows 2 streams at once', { h2MaxStreams: 2 }, 'http2.multiplexed'],
    ['a server that resets every stream after 1 s', { h2ResetAfterMs: 1000 }, 'http2.no-stream-reset'],
  ] as const) {
    test(`${name} => ${check}`, async () => {
      const server = await startFixture({ http2: true, ...options });
      try {
        const report = await runConformance({ ...RUN, url: server.url });
        const result = report.results.find((r) => r.id === check);
        assert.ok(result?.status === 'warn' || result?.status === 'fail', formatText(report));
      } finally {
        await server.close();
      }
    });
  }

  test('over HTTP/1.1 the http2 checks skip, saying to pass --http2', async () => {
    const h1 = await startFixture();
    try {
      const report = await runConformance({ ...RUN, http2: false, url: h1.url, only: ['http2'] });
      assert.equal(report.results.length, 3);
      for (const r of report.results) assert.match(r.evidence, /^skipped: .*pass --http2/, r.id);
    } finally {
      await h1.close();
    }
  });

  for (const [name, fixture, extra] of [
    ['h2 over TLS (ALPN)', () => h2, { ca: certificate.cert.toString() }],
    ['h2c with prior knowledge', () => h2c, {}],
  ] as const) {
    test(`${name}: a conformant stream passes every check`, async () => {
      const report = await runConformance({ ...RUN, ...extra, url: fixture().url });
      const text = formatText(report);
      const bad = report.results.filter((r) => r.status === 'fail' || r.status === 'warn');
      assert.deepEqual(
        bad.map((r) => r.id),
        [],
        text,
      );
      const status = report.results.find((r) => r.id === 'headers.status-200');
      assert.match(status?.evidence ?? '', /^HTTP\/2 200/, text);
      assert.ok(report.summary.passed >= 40, text);
    });
  }
});
