import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createApp } from './app.ts';
import type { ServerConfig } from './config.ts';
import type { EventHub } from './event-hub.ts';
import { Simulator } from './simulator.ts';
import { createStore } from './store/create-store.ts';
import type { FlightStore } from './store/flight-store.ts';

/** How long a graceful shutdown may take before connections are cut (DESIGN: exit within 5 s). */
export const SHUTDOWN_GRACE_MS = 4000;

export interface RunningServer {
  server: Server;
  hub: EventHub;
  store: FlightStore;
  url: string;
  port: number;
  /** Stops accepting, ends every stream so clients reconnect elsewhere, closes the store. */
  shutdown(): Promise<void>;
}

/** Builds the store, the app and the simulator from `config`, and listens. */
export async function startServer(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  const store = await createStore(config);
  const { app, hub } = createApp({ store, config, logger, processMetrics: true });
  const simulator = config.simulate
    ? new Simulator(store, { seed: config.simulateSeed, speed: config.simulateSpeed })
    : undefined;
  await simulator?.start();
  const server = await listen(app, config);
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}/`;
  logger.info({ url, port, config: { ...config, token: config.token ? '[set]' : undefined } }, 'listening');
  if (!config.token) logger.info('writes are disabled: set FLIGHT_BOARD_TOKEN to enable the REST API');

  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      simulator?.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      hub.dispose(); // ends every stream without closedConnection: clients reconnect elsewhere
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(cut);
      await store.close();
    })();
    return stopping;
  };
  return { server, hub, store, url, port, shutdown };
}

function listen(app: ReturnType<typeof createApp>['app'], config: ServerConfig): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(config.port, config.host, (error?: Error) => {
      if (error) reject(error);
      else resolve(server);
    });
  });
}
