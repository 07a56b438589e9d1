import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { selfSignedCertificate } from '../scripts/self-signed-certificate.ts';

test('a self-signed certificate is made in a directory given with a trailing slash, and reused', (t) => {
  const parent = mkdtempSync(join(tmpdir(), 'flight-board-cert-'));
  t.after(() => rmSync(parent, { recursive: true, force: true }));
  const first = selfSignedCertificate(`${join(parent, 'dev-certificate')}/`);
  assert.ok(existsSync(first.certFile) && existsSync(first.keyFile));
  assert.match(first.cert.toString(), /BEGIN CERTIFICATE/);
  assert.deepEqual(readdirSync(parent), ['dev-certificate'], 'no scratch directory left behind');
  const again = selfSignedCertificate(join(parent, 'dev-certificate'));
  assert.equal(again.cert.toString(), first.cert.toString(), 'reused while fresh');
});
