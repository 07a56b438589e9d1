import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

/** Where a secret could appear in a log line; pino replaces it before the line is written. */
export const REDACTED_PATHS = [
  'token',
  'config.token',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
];

/** The server's structured logger: JSON lines, secrets redacted. `silent` for tests. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { name: 'flight-board', level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

/** A logger that writes nothing: the default for apps built in tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
