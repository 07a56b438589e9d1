import { readFile } from 'node:fs/promises';
import { createServer, type RequestListener, type Server, type ServerOptions } from 'node:http';
import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { type AnyRequestListener, createApp } from './app.ts';
import { ConfigError, type ServerConfig } from './config.ts';
import type { EventHub } from './hub/event-hub.ts';
import { Simulator } from './simulator.ts';
import { startLine } from './start-line.ts';
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

/** A PEM certificate chain and its private key. */
export interface TlsFiles {
  cert: string | Buffer;
  key: string | Buffer;
}

/**
 * The HTTPS server for `app`: HTTP/2 and HTTP/1.1 on one port, chosen by ALPN (`h2` first), so
 * a browser opens every stream of a page on one connection and older clients still connect.
 *
 * Node's HTTP/2 server does not apply `headersTimeout` and `requestTimeout` to the HTTP/1.1
 * connections it accepts, so slow senders are bounded by an idle timeout instead: a connection
 * (an HTTP/2 session, or an HTTP/1.1 socket) silent for `idleTimeoutMs` in both directions is
 * closed. An open stream is never silent that long: give it more than HEARTBEAT_MS.
 */
export function createHttpsServer(
  app: AnyRequestListener,
  tls: TlsFiles,
  idleTimeoutMs: number = HTTP_TIMEOUTS.requestTimeout,
): Http2SecureServer {
  const server = createSecureServer({ ...tls, allowHTTP1: true }, app);
  server.setTimeout(idleTimeoutMs);
  // Without a listener, Node closes an idle HTTP/2 session itself; an HTTP/1.1 socket only
  // gets the event: close it here.
  server.on('timeout', (socket: { destroy(): void }) => socket.destroy());
  return server;
}

/** The idle timeout of an HTTPS server for `config`: the request bound, and never less than two heartbeats. */
export function httpsIdleTimeoutMs(config: ServerConfig): number {
  return Math.max(HTTP_TIMEOUTS.requestTimeout, 2 * config.heartbeatMs);
}

/** Reads TLS_CERT and TLS_KEY, refusing a file that cannot be read with what to check. */
export async function readTlsFiles(config: ServerConfig): Promise<TlsFiles | undefined> {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return undefined;
  const read = (name: string, path: string) =>
    readFile(path).catch((error: NodeJS.ErrnoException) => {
      throw new ConfigError(
        `${name}=${JSON.stringify(path)} cannot be read (${error.code ?? error.message}): give the path of a PEM file`,
      );
    });
  return { cert: await read('TLS_CERT', config.tlsCert), key: await read('TLS_KEY', config.tlsKey) };
}

/** Either server: they share what start and shutdown use. */
export type AnyServer = Server | Http2SecureServer;

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
  server: AnyServer;
  hub: EventHub;
  store: FlightStore;
  url: string;
  port: number;
  /** Stops accepting, ends every stream so clients reconnect elsewhere, closes the store. */
  shutdown(): Promise<void>;
}

/** Builds the store, the app and the simulator from `config`, and listens. */
export async function startServer(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  const tls = await readTlsFiles(config); // a bad path is refused before anything starts
  const store = await createStore(config, {
    onError: (err, connection) => logger.warn({ err, connection }, 'redis connection error'),
  });
  const { requestListener, hub } = createApp({ store, config, logger, processMetrics: true });
  const simulator = config.simulate
    ? new Simulator(store, { seed: config.simulateSeed, speed: config.simulateSpeed })
    : undefined;
  await simulator?.start();
  const server = await listen(requestListener, config, tls);
  const connections = trackConnections(server);
  const { port } = server.address() as AddressInfo;
  const url = `${tls ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}/`;
  // One line for the operator; the whole configuration only for whoever asked (LOG_LEVEL=debug).
  logger.info({ url, port }, startLine(config, url));
  logger.debug({ config }, 'configuration');

  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      simulator?.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      hub.dispose(); // ends every stream without closedConnection: clients reconnect elsewhere
      connections.closeIdle();
      const cut = setTimeout(() => connections.closeAll(), SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(cut);
      await store.close();
    })();
    return stopping;
  };
  return { server, hub, store, url, port, shutdown };
}

/** Closing a server's connections, whichever kind it is. */
interface Connections {
  /** Connections with nothing in flight (HTTP/2: a GOAWAY, so in-flight requests finish). */
  closeIdle(): void;
  closeAll(): void;
}

function trackConnections(server: AnyServer): Connections {
  if (!('closeAllConnections' in server)) return tlsConnections(server);
  return { closeIdle: () => server.closeIdleConnections(), closeAll: () => server.closeAllConnections() };
}

/**
 * An HTTPS server's connections: HTTP/2 sessions are told to go away (GOAWAY); HTTP/1.1 ones
 * are ended (their streams were ended first; a REST answer is a few bytes).
 */
function tlsConnections(server: Http2SecureServer): Connections {
  const sockets = new Set<TLSSocket>();
  server.on('secureConnection', (socket: TLSSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  return {
    closeIdle() {
      for (const session of sessions) session.close();
      for (const socket of sockets) if (socket.alpnProtocol !== 'h2') socket.end();
    },
    closeAll() {
      for (const socket of sockets) socket.destroy();
    },
  };
}

function listen(
  app: AnyRequestListener,
  config: ServerConfig,
  tls: TlsFiles | undefined,
): Promise<AnyServer> {
  return new Promise((resolve, reject) => {
    const server: AnyServer = tls
      ? createHttpsServer(app, tls, httpsIdleTimeoutMs(config))
      : createHttpServer(app as RequestListener);
    server.once('error', reject);
    server.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
