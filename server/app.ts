import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { ServerConfig } from './config.ts';
import { cors, REST_PREFLIGHT, STREAM_PREFLIGHT } from './cors.ts';
import { http2Handler } from './express-http2.ts';
import { errorHandler, notFound } from './http-error.ts';
import { EventHub } from './hub/event-hub.ts';
import { silentLogger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { PUBLIC_DIR as PUBLIC_DIR_URL } from './package-dir.ts';
import { restRoutes } from './rest.ts';
import { securityHeaders } from './security-headers.ts';
import type { FlightStore } from './store/flight-store.ts';
import { acceptStream, isStreamUrl, streamContext } from './stream/accept-stream.ts';
import { type AnyRequest, type AnyResponse, isHttp2 } from './stream/transports.ts';

export { lastEventIdOf } from './stream/accept-stream.ts';

/** A request listener for Node's HTTP/1.1 server and its HTTP/2 server (`allowHTTP1`) alike. */
export type AnyRequestListener = (req: AnyRequest, res: AnyResponse) => void;

/** The demo page and the bundles, copied into the package by its build (see package-dir.ts). */
const PUBLIC_DIR = fileURLToPath(PUBLIC_DIR_URL);

/** The element bundles: public static files any page may load. */
const BUNDLES = ['flight-board.js', 'flight-board.iife.js'] as const;
/** Routes of the REST API (they share its CORS policy). */
const REST_PATHS = ['/flights', '/flights/:flight', '/close', '/open', '/drop'];
const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

export interface AppOptions {
  store: FlightStore;
  config: ServerConfig;
  /** Structured logger; silent when omitted (tests). */
  logger?: Logger;
  /** Also export the Node process metrics (CPU, memory, event loop) on /metrics. */
  processMetrics?: boolean;
}

export interface FlightBoardApp {
  /**
   * What to serve, over HTTP/1.1 or HTTP/2: streams on plain Node, everything else through
   * `app`. `app` alone answers everything over HTTP/1.1 too (streams included), at about twice
   * the memory per idle stream.
   */
  requestListener: AnyRequestListener;
  app: Express;
  hub: EventHub;
  metrics: Metrics;
}

/** Builds the reference server's Express app. It never listens: `main.ts` does. */
export function createApp({
  store,
  config,
  logger = silentLogger(),
  processMetrics = false,
}: AppOptions): FlightBoardApp {
  const hub = new EventHub(store, {
    retryMs: config.retryMs,
    heartbeatMs: config.heartbeatMs,
    maxBufferedBytes: config.maxBufferedBytes,
    onEvict: (unsentBytes) =>
      logger.warn({ unsentBytes }, 'slow client dropped; it will reconnect and resync'),
  });
  const metrics = createMetrics(hub, { processMetrics });
  const app = express();
  app.disable('x-powered-by');
  const onAnswered = logWhenAnswered(logger);
  app.use((req, res, next) => {
    onAnswered(req, res, req.path);
    next();
  });

  // Every /events answer but the preflight comes from acceptStream, the one way into a stream:
  // what a stream needs goes there, not in a middleware here (the listener bypasses Express).
  const streams = streamContext(hub, config, metrics, logger);
  app.use('/events', cors(config.corsOrigins, STREAM_PREFLIGHT));
  app.all('/events', (req, res) => acceptStream(req, res, streams));

  app.use(REST_PATHS, cors(config.corsOrigins, REST_PREFLIGHT));
  app.use(restRoutes({ store, hub, token: config.token }));

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', clients: hub.clientCount, closed: hub.isClosed });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  for (const bundle of BUNDLES) {
    app.get(`/${bundle}`, securityHeaders({ crossOrigin: true }), (_req, res) => {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.sendFile(bundle, { root: PUBLIC_DIR }, (err) => {
        if (err && !res.headersSent) {
          res.status(404).type('text/plain').send(`${bundle} is not built yet: run \`npm run build\`.\n`);
        }
      });
    });
  }
  app.use(securityHeaders(), express.static(PUBLIC_DIR));

  app.use(notFound);
  app.use(
    errorHandler(logger, (error, req) => {
      if (WRITE_METHODS.has(req.method)) metrics.writeErrors.inc({ code: error.code });
    }),
  );
  const http2App = http2Handler(app);
  const requestListener: AnyRequestListener = (req, res) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && isStreamUrl(req.url)) {
      onAnswered(req, res, '/events');
      acceptStream(req, res, streams);
    } else if (isHttp2(req)) http2App(req, res as Http2ServerResponse);
    else app(req as IncomingMessage, res as ServerResponse);
  };
  return { requestListener, app, hub, metrics };
}

/** Paths logged only at debug level: every stream, and the probes that poll. */
const QUIET_PATHS = new Set(['/events', '/metrics', '/health']);

/**
 * One log line per request once answered; streams and scrapes only at debug level. Below it,
 * nothing is listened for on a stream: its listener would be held for the stream's whole life
 * (`npm run bench:heap` measures it), to log a line that is dropped.
 */
function logWhenAnswered(logger: Logger) {
  return (req: AnyRequest, res: AnyResponse, path: string): void => {
    const quiet = QUIET_PATHS.has(path);
    if (quiet && !logger.isLevelEnabled('debug')) return;
    const started = performance.now();
    res.on('close', () => {
      const entry = {
        method: req.method,
        path,
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
      };
      if (quiet) logger.debug(entry, 'request');
      else logger.info(entry, 'request');
    });
  };
}
