// `npm run dev:https`: the demo over HTTPS with HTTP/2 in one command. Makes a self-signed
// certificate for localhost (kept in node_modules/.cache, reused next time), starts the built
// reference server with it (simulator on, writes enabled with a token shown once), and prints
// the URL. The browser warns about the certificate once: it is yours, made a moment ago.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { configFromEnv } from '../server/config.ts';
import { createLogger, logDestination } from '../server/logger.ts';
import { startServer } from '../server/start.ts';
import { selfSignedCertificate } from './self-signed-certificate.ts';

const CERT_DIR = fileURLToPath(
  new URL('../node_modules/.cache/flight-board/dev-certificate/', import.meta.url),
);

const certificate = selfSignedCertificate(CERT_DIR);
const generated = process.env.FLIGHT_BOARD_TOKEN ? undefined : randomBytes(24).toString('base64url');
const config = configFromEnv({
  SIMULATE: '1',
  PORT: '5443',
  ...process.env,
  TLS_CERT: certificate.certFile,
  TLS_KEY: certificate.keyFile,
  ...(generated ? { FLIGHT_BOARD_TOKEN: generated } : {}),
});
const logger = createLogger(config.logLevel, await logDestination());
const running = await startServer(config, logger);
process.stdout.write(
  [
    `Self-signed certificate for localhost: ${certificate.certFile}`,
    '(the browser warns once: proceed, or trust that file; it is yours, made on this machine)',
    ...(generated
      ? ['Writes are enabled for this run. The token (shown once, never logged):', `  ${generated}`]
      : []),
    `Open ${running.url} — every board on the page shares one HTTP/2 connection.`,
    '',
  ].join('\n'),
);

const stop = () => {
  running.shutdown().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
