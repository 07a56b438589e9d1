import type { ServerConfig } from '../config.ts';
import type { FlightStore } from './flight-store.ts';
import { MemoryStore } from './memory-store.ts';
import { RedisStore, type RedisStoreOptions } from './redis-store.ts';

/** What the store may report besides its answers (connection trouble, resyncs), for logs. */
export interface CreateStoreOptions {
  onError?: RedisStoreOptions['onError'];
}

/** The store the configuration asks for: in memory unless `REDIS_URL` is set, then Redis Streams. */
export async function createStore(
  config: ServerConfig,
  options: CreateStoreOptions = {},
): Promise<FlightStore> {
  if (config.redisUrl) {
    return RedisStore.connect({
      url: config.redisUrl,
      historySize: config.historySize,
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }
  return new MemoryStore(config.historySize);
}
