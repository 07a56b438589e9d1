import { DEFAULT_HEARTBEAT_MS, DEFAULT_RETRY_MS } from '../protocol/protocol.ts';

/** pino's level names, quietest last. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Everything the server can be told at start, by environment variable or CLI flag. */
export interface ServerConfig {
  port: number;
  host: string;
  /** Allowed cross-origin callers; empty: same origin only; `['*']`: anyone, without credentials. */
  corsOrigins: string[];
  /**
   * Bearer token for writes, or several separated by commas (any of them is accepted, so a new
   * one can be rolled out before the old one is dropped); unset: writes are refused.
   */
  token: string | undefined;
  simulate: boolean;
  simulateSeed: number;
  simulateSpeed: number;
  historySize: number;
  heartbeatMs: number;
  retryMs: number;
  /** Open streams allowed at once; unset: no limit. */
  maxClients: number | undefined;
  /** Open streams allowed at once from one client address; unset: no limit. */
  maxClientsPerIp: number | undefined;
  redisUrl: string | undefined;
  /** Unsent bytes a stream may hold before its client is dropped. */
  maxBufferedBytes: number;
  logLevel: LogLevel;
  /** PEM certificate chain file: with `tlsKey`, HTTPS with HTTP/2 and HTTP/1.1 on one port. */
  tlsCert: string | undefined;
  /** PEM private key file of `tlsCert`. */
  tlsKey: string | undefined;
}

export const DEFAULT_CONFIG: ServerConfig = {
  port: 5000,
  host: 'localhost',
  corsOrigins: [],
  token: undefined,
  simulate: false,
  simulateSeed: 1,
  simulateSpeed: 1,
  historySize: 1000,
  heartbeatMs: DEFAULT_HEARTBEAT_MS,
  retryMs: DEFAULT_RETRY_MS,
  maxClients: undefined,
  maxClientsPerIp: undefined,
  redisUrl: undefined,
  maxBufferedBytes: 1024 * 1024,
  logLevel: 'info',
  tlsCert: undefined,
  tlsKey: undefined,
};

/** A configuration value the server refuses to start with; the message names the value and the rule. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Parse<T> = (name: string, raw: string) => T;

function integer(min: number, max = Number.MAX_SAFE_INTEGER): Parse<number> {
  return (name, raw) => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new ConfigError(
        `${name}=${JSON.stringify(raw)} is not valid: expected an integer from ${min} to ${max}`,
      );
    }
    return value;
  };
}

const positiveNumber: Parse<number> = (name, raw) => {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not valid: expected a number above 0`);
  }
  return value;
};

const flag: Parse<boolean> = (name, raw) => {
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new ConfigError(`${name}=${JSON.stringify(raw)} is not valid: expected 1 or 0`);
};

const text: Parse<string> = (_name, raw) => raw;

/**
 * One token, or a comma-separated list of them for rotation (`new,old`). A token never holds
 * whitespace: a clients' `Authorization: Bearer` could not carry it, so a server started with
 * one (typically the trailing newline of a secrets file) would refuse every write. Refused here,
 * at start, with the reason.
 */
const tokenList: Parse<string> = (name, raw) => {
  const tokens = raw.split(',');
  for (const [index, token] of tokens.entries()) {
    const where = tokens.length > 1 ? `token ${index + 1} of ${tokens.length}` : 'the token';
    if (token === '') {
      throw new ConfigError(
        `${name} is not valid: ${where} is empty; give one token, or several separated by commas with nothing else between them (new,old)`,
      );
    }
    if (/\s/.test(token)) {
      throw new ConfigError(
        `${name} is not valid: ${where} contains whitespace (a trailing newline from a secrets file?), ` +
          'which no Authorization: Bearer header can carry; remove it (e.g. FLIGHT_BOARD_TOKEN="$(tr -d \'[:space:]\' < file)")',
      );
    }
  }
  return raw;
};

/** The tokens a `FLIGHT_BOARD_TOKEN` value holds (it was checked by the config's parser). */
export function tokensOf(token: string | undefined): string[] {
  return token === undefined ? [] : token.split(',');
}

const logLevel: Parse<LogLevel> = (name, raw) => {
  const level = LOG_LEVELS.find((l) => l === raw);
  if (!level) {
    throw new ConfigError(
      `${name}=${JSON.stringify(raw)} is not valid: expected one of ${LOG_LEVELS.join(', ')}`,
    );
  }
  return level;
};

/**
 * `*`, or a comma-separated list of origins exactly as browsers send them
 * (`scheme://host[:port]`, no path, no trailing slash): anything else could never match.
 */
const corsOrigins: Parse<string[]> = (name, raw) => {
  const origins = raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (origins.includes('*')) {
    if (origins.length > 1) {
      throw new ConfigError(
        `${name}=${JSON.stringify(raw)} is not valid: "*" allows every origin and cannot be combined with a list`,
      );
    }
    return origins;
  }
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin) {
      throw new ConfigError(
        `${name}=${JSON.stringify(raw)} is not valid: ${JSON.stringify(origin)} is not an origin; ` +
          'write it as browsers send it, scheme://host[:port] with no path or trailing slash (e.g. https://example.com)',
      );
    }
  }
  return origins;
};

/** One setting: its environment variable, the matching CLI flag, and how to read it. */
export interface ConfigOption {
  key: keyof ServerConfig;
  env: string;
  flag: string;
  description: string;
  parse: Parse<ServerConfig[keyof ServerConfig]>;
}

function option<K extends keyof ServerConfig>(
  key: K,
  env: string,
  description: string,
  parse: Parse<ServerConfig[K]>,
): ConfigOption {
  return { key, env, flag: `--${env.toLowerCase().replaceAll('_', '-')}`, description, parse };
}

/** Every setting, in the order `--help` and docs/server.md list them. */
export const CONFIG_OPTIONS: readonly ConfigOption[] = [
  option('port', 'PORT', 'TCP port to listen on; 0 picks a free one (default 5000)', integer(0, 65535)),
  option('host', 'HOST', 'interface to listen on (default localhost)', text),
  option(
    'corsOrigins',
    'CORS_ORIGINS',
    'comma-separated origins allowed to read the stream cross-origin, or * (default: same origin only)',
    corsOrigins,
  ),
  option(
    'token',
    'FLIGHT_BOARD_TOKEN',
    'bearer token that enables writes, or several separated by commas to rotate (new,old) (default: unset, writes refused); prefer the env var, flags show in ps',
    tokenList,
  ),
  option(
    'simulate',
    'SIMULATE',
    '1: run the timetable simulator, 0: start with an empty board (default 0)',
    flag,
  ),
  option(
    'simulateSeed',
    'SIMULATE_SEED',
    'seed of the simulator: same seed, same timetable (default 1)',
    integer(0, 2 ** 32 - 1),
  ),
  option(
    'simulateSpeed',
    'SIMULATE_SPEED',
    'simulator pace; 10 is ten times faster (default 1)',
    positiveNumber,
  ),
  option('historySize', 'HISTORY_SIZE', 'events kept for replay (default 1000)', integer(1, 10_000_000)),
  option(
    'heartbeatMs',
    'HEARTBEAT_MS',
    'silence before a ": keep-alive" comment, in ms (default 15000)',
    integer(10),
  ),
  option('retryMs', 'RETRY_MS', 'reconnection delay announced with retry:, in ms (default 3000)', integer(0)),
  option(
    'maxClients',
    'MAX_CLIENTS',
    'open streams allowed at once; more get 503 (default: no limit)',
    integer(1),
  ),
  option(
    'maxClientsPerIp',
    'MAX_CLIENTS_PER_IP',
    'open streams allowed at once from one client address; more get 503 (default: no limit)',
    integer(1),
  ),
  option('redisUrl', 'REDIS_URL', 'Redis URL for the Redis Streams store (default: unset, in memory)', text),
  option(
    'maxBufferedBytes',
    'MAX_BUFFERED_BYTES',
    'unsent bytes a slow client may hold before it is dropped (default 1048576)',
    integer(1024),
  ),
  option('logLevel', 'LOG_LEVEL', `log level: ${LOG_LEVELS.join(', ')} (default info)`, logLevel),
  option(
    'tlsCert',
    'TLS_CERT',
    'PEM certificate file; with TLS_KEY, serve HTTPS with HTTP/2 and HTTP/1.1 (default: unset, plain HTTP/1.1)',
    text,
  ),
  option('tlsKey', 'TLS_KEY', 'PEM private key file of TLS_CERT (default: unset)', text),
];

/** Reads the server's configuration from environment variables, refusing bad values with a clear message. */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): ServerConfig {
  const config: ServerConfig = { ...DEFAULT_CONFIG };
  const values = config as unknown as Record<string, unknown>; // keys come from CONFIG_OPTIONS, typed per option
  for (const { key, env: name, parse } of CONFIG_OPTIONS) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') values[key] = parse(name, raw);
  }
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    throw new ConfigError(
      'TLS_CERT and TLS_KEY go together: set both (PEM files) to serve HTTPS and HTTP/2, or neither for plain HTTP',
    );
  }
  return config;
}
