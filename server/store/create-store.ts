import { ConfigError, type ServerConfig } from '../config.ts';
import type { FlightStore } from './flight-store.ts';
import { MemoryStore } from './memory-store.ts';
import { RedisStore, type RedisStoreOptions } from './redis-store.ts';

/** What the store may report besides its answers (connection trouble, resyncs), for logs. */
export interface CreateStoreOptions {
  onError?: RedisStoreOptions['onError'];
}

/**
 * The store the configuration asks for: in memory unless `REDIS_URL` is set, then Redis
 * Streams. A Redis that cannot be reached at start is refused like a bad setting (the
 * message names the URL, without its password, and what to do).
 */
export async function createStore(
  config: ServerConfig,
  options: CreateStoreOptions = {},
): Promise<FlightStore> {
  if (!config.redisUrl) return new MemoryStore(config.historySize);
  try {
    return await RedisStore.connect({
      url: config.redisUrl,
      historySize: config.historySize,
      ...(options.onError ? { onError: options.onError } : {}),
    });
  } catch (error) {
    throw new ConfigError(`REDIS_URL: ${error instanceof Error ? error.message : String(error)}`);
  }
}
