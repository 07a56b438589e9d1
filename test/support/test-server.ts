import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createApp } from '../../server/app.ts';
import { DEFAULT_CONFIG, type ServerConfig } from '../../server/config.ts';
import type { EventHub } from '../../server/hub/event-hub.ts';
import type { Metrics } from '../../server/metrics.ts';
import type { FlightStore } from '../../server/store/flight-store.ts';
import { MemoryStore } from '../../server/store/memory-store.ts';

export interface TestServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  store: FlightStore;
  hub: EventHub;
  metrics: Metrics;
  config: ServerConfig;
  server: Server;
  close(): Promise<void>;
}

/** Options of the test server beyond its configuration. */
export interface TestServerOptions {
  store?: FlightStore;
  /** Defaults to a silent logger: tests stay quiet. */
  logger?: Logger;
}

/** Starts the real reference app on 127.0.0.1 and an ephemeral port. */
export async function startTestServer(
  overrides: Partial<ServerConfig> = {},
  storeOrOptions: FlightStore | TestServerOptions = {},
): Promise<TestServer> {
  const options: TestServerOptions =
    'subscribe' in storeOrOptions ? { store: storeOrOptions } : storeOrOptions;
  const store = options.store ?? new MemoryStore(overrides.historySize ?? DEFAULT_CONFIG.historySize);
  const config: ServerConfig = { ...DEFAULT_CONFIG, host: '127.0.0.1', port: 0, ...overrides };
  const { requestListener, hub, metrics } = createApp({
    store,
    config,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const server: Server = await new Promise((resolve) => {
    // The listener production serves (start.ts), not the bare Express app: streams take its fast path.
    const s = createServer(requestListener).listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    store,
    hub,
    metrics,
    config,
    server,
    async close() {
      hub.dispose();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}
