/**
 * The reference server as a library: build the app yourself and mount or listen to it.
 *
 * @example
 * import { createApp, DEFAULT_CONFIG, MemoryStore } from 'flight-board-server';
 * const store = new MemoryStore(DEFAULT_CONFIG.historySize);
 * const { app } = createApp({ store, config: { ...DEFAULT_CONFIG, token: process.env.FLIGHT_BOARD_TOKEN } });
 * app.listen(5000);
 */
export { type AppOptions, createApp, type FlightBoardApp } from './app.ts';
export { ConfigError, configFromEnv, DEFAULT_CONFIG, type ServerConfig } from './config.ts';
export { EventHub, type EventHubOptions, type StreamTransport } from './hub/event-hub.ts';
export { Frame } from './hub/frame.ts';
export { createLogger, silentLogger } from './logger.ts';
export { SEED_FLIGHTS, Simulator, type SimulatorOptions } from './simulator.ts';
export { type RunningServer, startServer } from './start.ts';
export { createStore } from './store/create-store.ts';
export { type BoardState, type FlightStore, StoreError } from './store/flight-store.ts';
export { MemoryStore } from './store/memory-store.ts';
export { RedisStore, type RedisStoreOptions } from './store/redis-store.ts';
