import type { ServerConfig } from '../config.ts';
import type { FlightStore } from './flight-store.ts';
import { MemoryStore } from './memory-store.ts';

/** The store the configuration asks for: in memory unless `REDIS_URL` is set. */
export async function createStore(config: ServerConfig): Promise<FlightStore> {
  if (config.redisUrl) {
    throw new Error(
      'REDIS_URL is set but the Redis store is not available in this build yet; unset REDIS_URL.',
    );
  }
  return new MemoryStore(config.historySize);
}
