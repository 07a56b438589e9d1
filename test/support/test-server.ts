import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createApp } from '../../server/app.ts';
import { DEFAULT_CONFIG, type ServerConfig } from '../../server/config.ts';
import type { EventHub } from '../../server/hub/event-hub.ts';
import type { Metrics } from '../../server/metrics.ts';
import { type AnyServer, createHttpsServer } from '../../server/start.ts';
import type { FlightStore } from '../../server/store/flight-store.ts';
import { MemoryStore } from '../../server/store/memory-store.ts';
import { Http2SseClient } from './http2-sse-client.ts';
import { type RawRequest, RawSseClient } from './raw-sse-client.ts';
import { testCertificate } from './test-certificate.ts';

/** How a test reaches the server: plain HTTP/1.1, or HTTPS with HTTP/2 (streams over h2). */
export type TestProtocol = 'http/1.1' | 'h2';

/** Both, for suites that must hold over either (`for (const protocol of PROTOCOLS) describe(…)`). */
export const PROTOCOLS: readonly TestProtocol[] = ['http/1.1', 'h2'];

/** A stream client of either protocol: the same record of what arrived. */
export type SseClient = RawSseClient | Http2SseClient;

export interface TestServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  store: FlightStore;
  hub: EventHub;
  metrics: Metrics;
  config: ServerConfig;
  /** The listening server; `closeAllConnections()` cuts every connection at once, whatever the protocol. */
  server: AnyServer & { closeAllConnections(): void };
  protocol: TestProtocol;
  /** Opens a stream over the server's protocol (HTTP/2 for `h2`, raw HTTP/1.1 otherwise). */
  openStream(request?: Partial<RawRequest>): SseClient;
  close(): Promise<void>;
}

/** Options of the test server beyond its configuration. */
export interface TestServerOptions {
  store?: FlightStore;
  /** Defaults to a silent logger: tests stay quiet. */
  logger?: Logger;
  /** Defaults to plain HTTP/1.1. */
  protocol?: TestProtocol;
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
  const protocol = options.protocol ?? 'http/1.1';
  if (protocol === 'h2') {
    // fetch (REST calls in tests) over HTTPS must accept the self-signed test certificate.
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  }
  // The listener production serves (start.ts), not the bare Express app: streams take its fast path.
  const server: AnyServer =
    protocol === 'h2'
      ? createHttpsServer(requestListener, testCertificate())
      : createServer(requestListener as RequestListener);
  const sockets = new Set<{ destroy(): void }>();
  server.on('connection', (socket: { destroy(): void; once(e: string, f: () => void): void }) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const closeAllConnections = () => {
    for (const socket of sockets) socket.destroy();
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${protocol === 'h2' ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    store,
    hub,
    metrics,
    config,
    server: Object.assign(server, { closeAllConnections }),
    protocol,
    openStream(request = {}) {
      const full = { path: '/events', ...request };
      return protocol === 'h2' ? Http2SseClient.open(port, full) : RawSseClient.open(port, full);
    },
    async close() {
      hub.dispose();
      closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}
