import { randomBytes } from 'node:crypto';
import { CONFIG_OPTIONS, ConfigError, configFromEnv, type ServerConfig } from './config.ts';

/**
 * What the command line asked for: help, or a server with this configuration (and, with
 * `--generate-token`, the token made for this run, to be shown once).
 */
export type CliRequest =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'serve'; config: ServerConfig; generatedToken?: string };

/** The flag that enables writes for one run with a fresh token (development). */
export const GENERATE_TOKEN_FLAG = '--generate-token';

/** The text of `flight-board-server --help`: every flag with its environment variable. */
export function helpText(): string {
  const width = Math.max(...CONFIG_OPTIONS.map((o) => `${o.flag} <value>`.length));
  const lines = CONFIG_OPTIONS.map(
    (o) => `  ${`${o.flag} <value>`.padEnd(width)}  ${o.env}: ${o.description}`,
  );
  return [
    'Usage: flight-board-server [options]',
    '',
    'The flight-board reference server: the SSE stream at /events, the REST API, the demo page.',
    'Every option can also be set by its environment variable; a flag wins over the variable.',
    '',
    'Options:',
    ...lines,
    `  ${GENERATE_TOKEN_FLAG.padEnd(width)}  enable writes with a random token, printed once at start (development)`,
    `  ${'-h, --help'.padEnd(width)}  print this help and exit`,
    `  ${'-v, --version'.padEnd(width)}  print the version and exit`,
    '',
  ].join('\n');
}

/**
 * Reads `argv` (without node and the script) on top of `env`: `--history-size 50` and
 * `--history-size=50` both mean `HISTORY_SIZE=50`. Unknown flags and missing values are
 * refused with a ConfigError that says what to do.
 */
export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CliRequest {
  const fromFlags: Record<string, string> = {};
  let generatedToken: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (arg === '-v' || arg === '--version') return { kind: 'version' };
    if (arg === GENERATE_TOKEN_FLAG) {
      generatedToken = randomBytes(24).toString('base64url');
      continue;
    }
    const [name = '', inline] = splitOnce(arg, '=');
    const option = CONFIG_OPTIONS.find((o) => o.flag === name);
    if (!option) {
      throw new ConfigError(
        `unknown option ${JSON.stringify(arg)}: run flight-board-server --help for the list`,
      );
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) {
      throw new ConfigError(`option ${name} needs a value, e.g. ${name}=<value> (${option.description})`);
    }
    option.parse(name, value); // refuse a bad value under the flag's own name
    fromFlags[option.env] = value;
  }
  if (generatedToken === undefined) return { kind: 'serve', config: configFromEnv({ ...env, ...fromFlags }) };
  const given = fromFlags.FLIGHT_BOARD_TOKEN ?? env.FLIGHT_BOARD_TOKEN;
  if (given !== undefined && given !== '') {
    throw new ConfigError(
      `${GENERATE_TOKEN_FLAG} makes a token, but FLIGHT_BOARD_TOKEN is set too: use one or the other`,
    );
  }
  const config = configFromEnv({ ...env, ...fromFlags, FLIGHT_BOARD_TOKEN: generatedToken });
  return { kind: 'serve', config, generatedToken };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
