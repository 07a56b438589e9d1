import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selfSignedCertificate } from '../../scripts/self-signed-certificate.ts';
import { requireBinary, stopChild } from './child-process.ts';
import { freePort } from './free-port.ts';

const INSTALL_HINT = 'install it with `apt-get install -y nginx` (Debian/Ubuntu; `.ci/run` does this in CI)';
/** The shipped configuration: the tests run it, only with their own ports. */
export const SHIPPED_CONFIG = fileURLToPath(new URL('../../deploy/nginx.conf', import.meta.url));

/** A real nginx on 127.0.0.1 and an ephemeral port, in front of the given upstream ports. */
export interface TestNginx {
  url: string;
  port: number;
  /** The TLS listener (HTTP/2 and HTTP/1.1, the test's self-signed certificate): `https://…`. */
  tlsUrl: string;
  tlsPort: number;
  /** The TLS listener's self-signed certificate (PEM), for a client to trust (`--ca`). */
  tlsCa: string;
  /** nginx's error log so far (for failure messages). */
  errorLog(): Promise<string>;
  close(): Promise<void>;
}

/**
 * `deploy/nginx.conf` with its `listen` and upstream `server` lines pointed at the test's
 * ports; everything else exactly as shipped. Fails if the file no longer has those lines.
 */
export async function shippedConfigFor(
  listenPort: number,
  upstreamPorts: readonly number[],
  tls: { port: number; certFile: string; keyFile: string },
): Promise<string> {
  const shipped = await readFile(SHIPPED_CONFIG, 'utf8');
  const servers = /^(\s*)server 127\.0\.0\.1:\d+[^;]*;\n/gm;
  const matches = [...shipped.matchAll(servers)];
  const tlsLines = [
    /^(\s*)listen \d+ ssl http2;$/m,
    /^(\s*)ssl_certificate\s+\S+;$/m,
    /^(\s*)ssl_certificate_key\s+\S+;$/m,
  ];
  if (
    matches.length === 0 ||
    !/^\s*listen \d+;$/m.test(shipped) ||
    !tlsLines.every((line) => line.test(shipped))
  ) {
    throw new Error(
      `${SHIPPED_CONFIG} no longer has "listen <port>;", "listen <port> ssl http2;", "ssl_certificate(_key) <path>;" and "server 127.0.0.1:<port> …;" lines to test`,
    );
  }
  const indent = matches[0]?.[1] ?? '    ';
  const upstream = upstreamPorts.map(
    (port) => `${indent}server 127.0.0.1:${port} max_fails=1 fail_timeout=5s;\n`,
  );
  let first = true;
  return shipped
    .replace(servers, () => {
      const replacement = first ? upstream.join('') : '';
      first = false;
      return replacement;
    })
    .replace(/^(\s*)listen \d+;$/m, `$1listen 127.0.0.1:${listenPort};`)
    .replace(tlsLines[0] as RegExp, `$1listen 127.0.0.1:${tls.port} ssl http2;`)
    .replace(tlsLines[1] as RegExp, `$1ssl_certificate ${tls.certFile};`)
    .replace(tlsLines[2] as RegExp, `$1ssl_certificate_key ${tls.keyFile};`);
}

/** Starts nginx with the shipped config in a temp prefix; fails loudly, with the install command, when it is missing. */
export async function startNginx(upstreamPorts: readonly number[]): Promise<TestNginx> {
  const binary = requireBinary('nginx', INSTALL_HINT);
  const dir = await mkdtemp(join(tmpdir(), 'flight-board-nginx-'));
  await mkdir(join(dir, 'temp'));
  const port = await freePort();
  const tlsPort = await freePort();
  const certificate = selfSignedCertificate(join(dir, 'tls'));
  await writeFile(
    join(dir, 'flight-board.conf'),
    await shippedConfigFor(port, upstreamPorts, { port: tlsPort, ...certificate }),
  );
  const errorLog = join(dir, 'error.log');
  const main = [
    // As root, workers would run as "nobody" and could not use the temp directory.
    process.getuid?.() === 0 ? 'user root;' : '',
    'worker_processes 1;',
    `error_log ${errorLog} info;`,
    'events { worker_connections 256; }',
    'http {',
    '  access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
      (t) => `  ${t}_temp_path ${join(dir, 'temp', t)};`,
    ),
    `  include ${join(dir, 'flight-board.conf')};`,
    '}',
  ].join('\n');
  await writeFile(join(dir, 'nginx.conf'), main);
  const child = spawn(
    binary,
    [
      '-p',
      dir,
      '-c',
      join(dir, 'nginx.conf'),
      '-e',
      errorLog,
      '-g',
      `daemon off; pid ${join(dir, 'nginx.pid')};`,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const readLog = () => readFile(errorLog, 'utf8').catch(() => '');
  try {
    await waitUntilListening(child, port, readLog);
  } catch (error) {
    await stopChild(child, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    tlsUrl: `https://127.0.0.1:${tlsPort}`,
    tlsPort,
    tlsCa: certificate.cert.toString(),
    errorLog: readLog,
    async close() {
      await stopChild(child, 'SIGQUIT', 2000); // graceful: lets workers finish, then exits
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** nginx says little on start: poll its `/health` (bounded, any answer will do), failing early if it exits. */
export async function waitUntilListening(
  child: ReturnType<typeof spawn>,
  port: number,
  readLog: () => Promise<string>,
): Promise<void> {
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  try {
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(
          `nginx exited with code ${child.exitCode}: ${output}\nerror log:\n${await readLog()}`,
        );
      }
      const up = await fetch(`http://127.0.0.1:${port}/health`).then(
        () => true,
        () => false,
      );
      if (up) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(
      `nginx did not listen on 127.0.0.1:${port} within 5 s: ${output}\nerror log:\n${await readLog()}`,
    );
  } finally {
    child.stdout?.off('data', collect);
    child.stderr?.off('data', collect);
  }
}
