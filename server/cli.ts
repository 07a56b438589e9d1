import { CONFIG_OPTIONS, ConfigError, configFromEnv, type ServerConfig } from './config.ts';

/** What the command line asked for: help, or a server with this configuration. */
export type CliRequest = { kind: 'help' } | { kind: 'version' } | { kind: 'serve'; config: ServerConfig };

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
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (arg === '-v' || arg === '--version') return { kind: 'version' };
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
  return { kind: 'serve', config: configFromEnv({ ...env, ...fromFlags }) };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
