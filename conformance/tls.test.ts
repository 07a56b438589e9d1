import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testCertificate } from '../test/support/test-certificate.ts';
import { type Fixture, startFixture } from './fixtures/index.ts';
import { runConformance } from './run.ts';
import { UnreachableError } from './types.ts';

// An https:// server with a self-signed certificate is checked, not called unreachable, once the
// user says how to trust it (--ca <pem> or --insecure); without that, the error says both.
const RUN = { timeoutMs: 2000, only: ['headers', 'framing'] };

describe('TLS targets', () => {
  let server: Fixture;
  const certificate = testCertificate();

  before(async () => {
    server = await startFixture({ tls: { key: certificate.key, cert: certificate.cert } });
  });
  after(() => server.close());

  test('a self-signed certificate without --ca or --insecure => unreachable, naming both fixes', async () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+\/events$/);
    await assert.rejects(runConformance({ ...RUN, url: server.url }), (error: Error) => {
      assert.ok(error instanceof UnreachableError, String(error));
      assert.match(error.message, /--ca <pem>.*--insecure/);
      return true;
    });
  });

  test('--ca <its certificate> => the checks run over TLS and pass', async () => {
    const report = await runConformance({ ...RUN, url: server.url, ca: certificate.cert.toString() });
    const status = report.results.find((r) => r.id === 'headers.status-200');
    assert.equal(status?.status, 'pass', status?.evidence);
    assert.equal(report.summary.failed, 0, JSON.stringify(report.results.filter((r) => r.status === 'fail')));
  });

  test('--insecure => the checks run over TLS and pass', async () => {
    const report = await runConformance({ ...RUN, url: server.url, insecure: true });
    assert.equal(report.results.find((r) => r.id === 'framing.utf-8')?.status, 'pass');
    assert.equal(report.summary.failed, 0);
  });
});
