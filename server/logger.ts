import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.ts';
import { redactedUrl } from './redact-url.ts';

/** Where a secret could appear in a log line; pino replaces it before the line is written. */
export const REDACTED_PATHS = [
  'token',
  'config.token',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'redisUrl',
  'config.redisUrl',
];

/**
 * Secrets vanish; a Redis URL keeps its host and port (useful in logs) but loses its password.
 * A value that is not set stays unset: `"[redacted]"` would tell the operator it is.
 */
function censor(value: unknown, path: string[]): unknown {
  if (value === undefined || value === null || value === '') return value;
  return path.at(-1) === 'redisUrl' && typeof value === 'string' ? redactedUrl(value) : '[redacted]';
}

/**
 * An error as a log field, without the arguments of the command that failed: ioredis attaches
 * `command: { name, args }` to its errors, and for a refused login the args are
 * `["3", "AUTH", "<user>", "<password>"]`. Any `command.args` is dropped, at any depth (a `cause`,
 * an AggregateError's `errors`), whatever the error, so no command can carry a secret into a log.
 */
export function redactedError(error: unknown): unknown {
  const serialized = error instanceof Error ? pino.stdSerializers.err(error) : error;
  return withoutCommandArgs(serialized, 0);
}

/** Deepest nesting `withoutCommandArgs` walks: errors nest shallowly; this bounds a cycle. */
const MAX_ERROR_DEPTH = 8;

function withoutCommandArgs(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null || depth > MAX_ERROR_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => withoutCommandArgs(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (key === 'command' && typeof field === 'object' && field !== null && 'args' in field) {
      copy[key] = { ...field, args: '[redacted]' };
    } else copy[key] = withoutCommandArgs(field, depth + 1);
  }
  return copy;
}

/** The server's structured logger: JSON lines, secrets redacted. `silent` for tests. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    name: 'flight-board',
    level,
    redact: { paths: REDACTED_PATHS, censor },
    serializers: { err: redactedError, error: redactedError },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** A logger that writes nothing: the default for apps built in tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * Where the server process logs: on a terminal (`npm start`), lines a person reads; anywhere
 * else (a pipe, a file, a log collector), JSON lines, one per entry. Redaction happens before
 * either, in pino. The formatter is loaded only for a terminal, so no other start pays for it.
 */
export async function logDestination(
  output: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): Promise<DestinationStream | undefined> {
  if (!output.isTTY) return undefined;
  const { default: pretty } = await import('pino-pretty');
  return pretty({
    destination: output,
    sync: true, // a line is on the terminal before the process may exit
    colorize: true,
    translateTime: 'SYS:HH:MM:ss',
    // One line per entry: a request is one line, not one per field.
    singleLine: true,
    // The start line says its URL in words; the fields are for machines (JSON logs).
    ignore: 'pid,hostname,name,url,port',
  });
}
