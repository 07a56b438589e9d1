import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SelfSignedCertificate, selfSignedCertificate } from '../../scripts/self-signed-certificate.ts';

/** The self-signed localhost certificate every test and bench shares (made once, reused while fresh). */
export function testCertificate(): SelfSignedCertificate {
  return selfSignedCertificate(join(tmpdir(), 'flight-board-test-certificate'));
}
