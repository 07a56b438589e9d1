import { createServer, type RequestListener, type Server, type ServerOptions } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createApp } from './app.ts';
import type { ServerConfig } from './config.ts';
import type { EventHub } from './event-hub.ts';
import { Simulator } from './simulator.ts';
import { createStore } from './store/create-store.ts';
import type { FlightStore } from './store/flight-store.ts';

/**
 * Bounds on slow and idle clients (slowloris). Node's defaults let a client take 60 s to send
 * its headers and check only every 30 s, so one machine could hold thousands of sockets open for
 * a minute and a half. Streams are not affected: `requestTimeout` ends when the request has been
 * received, not when the response ends.
 */
export const HTTP_TIMEOUTS = {
  /** Time to receive the request line and headers (ms); then `408` and the socket is closed. */
  headersTimeout: 10_000,
  /** Time to receive the whole request, body included (ms); bodies are at most 16 KiB. */
  requestTimeout: 30_000,
  /** How often the two limits above are checked (ms). */
  connectionsCheckingInterval: 1_000,
  /** Idle time allowed between two requests on a kept-alive connection (ms). */
  keepAliveTimeout: 5_000,
} as const satisfies ServerOptions;

/** The HTTP server for `app`, with `timeouts` bounding slow and idle clients. */
export function createHttpServer(app: RequestListener, timeouts: ServerOptions = HTTP_TIMEOUTS): Server {
  return createServer(timeouts, app);
}

/**
 * Connections the kernel may hold completed but not yet accepted. Node's default (511) is smaller
 * than a reconnect storm: when a deploy or a network blip sends every client back at once, the
 * kernel drops the SYNs past it, and those clients (and any new connection of a publisher) wait
 * for their SYN to be resent 1 s later (`npm run bench:replay` counts the drops). Linux caps it
 * at net.core.somaxconn (4096 by default since 5.4).
 */
export const LISTEN_BACKLOG = 4096;

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
  const store = await createStore(config, {
    onError: (err, connection) => logger.warn({ err, connection }, 'redis connection error'),
  });
  const { requestListener, hub } = createApp({ store, config, logger, processMetrics: true });
  const simulator = config.simulate
    ? new Simulator(store, { seed: config.simulateSeed, speed: config.simulateSpeed })
    : undefined;
  await simulator?.start();
  const server = await listen(requestListener, config);
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

function listen(app: RequestListener, config: ServerConfig): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createHttpServer(app);
    server.once('error', reject);
    server.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
