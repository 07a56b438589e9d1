import { DEFAULT_HEARTBEAT_MS, DEFAULT_RETRY_MS } from '../src/protocol.ts';

/** Everything the server can be told at start, by environment variable or CLI flag. */
export interface ServerConfig {
  port: number;
  host: string;
  /** Allowed cross-origin callers; empty: same origin only; `['*']`: anyone, without credentials. */
  corsOrigins: string[];
  /** Bearer token for writes; unset: writes are refused. */
  token: string | undefined;
  simulate: boolean;
  simulateSeed: number;
  simulateSpeed: number;
  historySize: number;
  heartbeatMs: number;
  retryMs: number;
  /** Open streams allowed at once; unset: no limit. */
  maxClients: number | undefined;
  redisUrl: string | undefined;
  /** Unsent bytes a stream may hold before its client is dropped. */
  maxBufferedBytes: number;
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
  redisUrl: undefined,
  maxBufferedBytes: 1024 * 1024,
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function integer(name: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `${name}=${JSON.stringify(raw)} is not valid: expected an integer from ${min} to ${max}`,
    );
  }
  return value;
}

function positiveNumber(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not valid: expected a number above 0`);
  }
  return value;
}

function flag(name: string, raw: string): boolean {
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new ConfigError(`${name}=${JSON.stringify(raw)} is not valid: expected 1 or 0`);
}

/** Reads the server's configuration from environment variables, refusing bad values with a clear message. */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): ServerConfig {
  const config: ServerConfig = { ...DEFAULT_CONFIG };
  const read = (name: string) => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const set = <K extends keyof ServerConfig>(
    key: K,
    name: string,
    parse: (name: string, raw: string) => ServerConfig[K],
  ) => {
    const raw = read(name);
    if (raw !== undefined) config[key] = parse(name, raw);
  };
  set('port', 'PORT', (n, r) => integer(n, r, 0, 65535));
  set('host', 'HOST', (_, r) => r);
  set('corsOrigins', 'CORS_ORIGINS', (_, r) =>
    r
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
  );
  set('token', 'FLIGHT_BOARD_TOKEN', (_, r) => r);
  set('simulate', 'SIMULATE', flag);
  set('simulateSeed', 'SIMULATE_SEED', (n, r) => integer(n, r, 0, 2 ** 32 - 1));
  set('simulateSpeed', 'SIMULATE_SPEED', positiveNumber);
  set('historySize', 'HISTORY_SIZE', (n, r) => integer(n, r, 1, 10_000_000));
  set('heartbeatMs', 'HEARTBEAT_MS', (n, r) => integer(n, r, 10));
  set('retryMs', 'RETRY_MS', (n, r) => integer(n, r, 0));
  set('maxClients', 'MAX_CLIENTS', (n, r) => integer(n, r, 1));
  set('redisUrl', 'REDIS_URL', (_, r) => r);
  return config;
}
