#!/usr/bin/env node
import type { Logger } from 'pino';
import { yieldToEventLoop } from './background-threads.ts';
import { helpText, parseCommandLine } from './cli.ts';
import { ConfigError } from './config.ts';
import { createLogger, logDestination } from './logger.ts';
import { type RunningServer, SHUTDOWN_GRACE_MS, startServer } from './start.ts';
import { VERSION } from './version.ts';

/** Exit code for a configuration the server refuses (the message says which value and why). */
const EXIT_USAGE = 2;

/** The server process: reads flags and environment, listens, and shuts down on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const request = parseCommandLine(process.argv.slice(2), process.env);
  if (request.kind === 'help') {
    process.stdout.write(helpText());
    return;
  }
  if (request.kind === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  const { config } = request;
  const logger = createLogger(config.logLevel, await logDestination());
  // Handlers first: a signal that arrives while the server is starting still shuts it down cleanly.
  let started: Promise<RunningServer> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down: ending streams so clients reconnect elsewhere');
    // Last resort: whatever hangs, the process is gone within 5 s of the signal.
    setTimeout(
      () => exitWith(logger, 1, 'shutdown took too long; exiting anyway'),
      SHUTDOWN_GRACE_MS + 900,
    ).unref();
    (started ?? Promise.reject(new Error('not started')))
      .then((running) => running.shutdown())
      .then(
        () => exitWith(logger, 0, 'stopped'),
        (error: unknown) => exitWith(logger, 1, `shutdown failed: ${String(error)}`),
      );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  started = startServer(config, logger);
  const running = await started;
  // Once started: the threads it started (libuv's pool, for a Redis host's lookup) are counted too.
  logger.debug({ threads: yieldToEventLoop() }, 'background threads yield to the event loop');
  if (request.generatedToken !== undefined) showTokenOnce(request.generatedToken, running.url);
}

/**
 * The token `--generate-token` made, on the terminal and never in the log (the logger redacts
 * it anyway): like Jupyter's, it is shown once, with a request that uses it.
 */
function showTokenOnce(token: string, url: string): void {
  process.stdout.write(
    [
      'Writes are enabled for this run. The token (shown once, never logged):',
      `  ${token}`,
      'Try it (with the token above in $TOKEN):',
      `  curl -X PATCH -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\`,
      `       -d '{"state":"landed"}' ${url}flights/I768`,
      '',
    ].join('\n'),
  );
}

function exitWith(logger: Logger, code: number, message: string): void {
  if (code === 0) logger.info(message);
  else logger.error(message);
  logger.flush();
  process.exit(code);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`flight-board-server: ${error.message}\n`);
    process.exit(EXIT_USAGE);
  }
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE' || code === 'EACCES') {
    process.stderr.write(`flight-board-server: cannot listen: ${String(error)}; choose another --port\n`);
    process.exit(EXIT_USAGE);
  }
  throw error;
});
