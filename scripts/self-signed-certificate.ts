import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A certificate and key as PEM files on disk, and their contents. */
export interface SelfSignedCertificate {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

/** Days the certificate is valid; it is made again once older than REUSE_DAYS. */
const VALID_DAYS = 30;
const REUSE_DAYS = 25;
const CERT = 'localhost-cert.pem';
const KEY = 'localhost-key.pem';

/**
 * A self-signed certificate for localhost, 127.0.0.1 and ::1 in `dir` (made with the `openssl`
 * command the first time, then reused while it is fresh). Several processes may ask at once (test
 * files run in parallel): each makes its own in a directory of its own, and the first to rename
 * it into place wins. For development and tests only: browsers warn about it, and clients must be
 * told to accept it.
 */
export function selfSignedCertificate(directory: string): SelfSignedCertificate {
  // Without a trailing slash: the scratch directory is `${dir}.<pid>`, a sibling renamed into place.
  const dir = resolve(directory);
  const certFile = join(dir, CERT);
  const keyFile = join(dir, KEY);
  if (!isFresh(certFile) || !existsSync(keyFile)) {
    const made = `${dir}.${process.pid}-${Date.now()}`;
    makeCertificate(made);
    if (existsSync(dir) && !isFresh(certFile)) rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(made, dir);
    } catch {
      rmSync(made, { recursive: true, force: true }); // another process put its own in place first
    }
  }
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

function isFresh(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs < REUSE_DAYS * 24 * 3600 * 1000;
  } catch {
    return false;
  }
}

function makeCertificate(dir: string): void {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        String(VALID_DAYS),
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
        '-keyout',
        join(dir, KEY),
        '-out',
        join(dir, CERT),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `could not make a self-signed certificate with openssl (${String(error)}): install it with \`apt-get install -y openssl\``,
    );
  }
}
