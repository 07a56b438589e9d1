import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { ServerConfig } from './config.ts';
import { cors, REST_PREFLIGHT, STREAM_PREFLIGHT } from './cors.ts';
import { EventHub } from './event-hub.ts';
import { errorHandler, notFound } from './http-error.ts';
import { silentLogger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { PUBLIC_DIR as PUBLIC_DIR_URL } from './package-dir.ts';
import { restRoutes } from './rest.ts';
import { securityHeaders } from './security-headers.ts';
import type { FlightStore } from './store/flight-store.ts';
import { streamListener, streamRoute } from './stream.ts';

export { lastEventIdOf } from './stream.ts';

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
   * What to serve: streams on plain node:http, everything else through `app`. `app` alone
   * answers everything too (streams included), at about twice the memory per idle stream.
   */
  requestListener: RequestListener;
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

  app.use('/events', cors(config.corsOrigins, STREAM_PREFLIGHT));
  app.get('/events', streamRoute({ hub, config, metrics, logger }));

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
  const requestListener = streamListener({ hub, config, logger, onAnswered, fallback: app });
  return { requestListener, app, hub, metrics };
}

/** Paths logged only at debug level: every stream, and the probes that poll. */
const QUIET_PATHS = new Set(['/events', '/metrics', '/health']);

/**
 * One log line per request once answered; streams and scrapes only at debug level. Below it,
 * nothing is listened for on a stream: its listener would be held for the stream's whole life
 * (~0.2 KB each), to log a line that is dropped.
 */
function logWhenAnswered(logger: Logger) {
  return (req: IncomingMessage, res: ServerResponse, path: string): void => {
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
