import { fileURLToPath } from 'node:url';
import express, { type Express, type Request, type Response } from 'express';
import { LAST_EVENT_ID_HEADER, LAST_EVENT_ID_PARAM, STREAM_HEADERS } from '../src/protocol.ts';
import type { ServerConfig } from './config.ts';
import { answerPreflight, applyCors } from './cors.ts';
import { EventHub } from './event-hub.ts';
import type { FlightStore } from './store/flight-store.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DEMO_DIR = `${ROOT}demo/`;
const DIST_DIR = `${ROOT}dist/`;

/** The element bundles: public static files any page may load. */
const BUNDLES = ['flight-board.js', 'flight-board.iife.js'] as const;

export interface AppOptions {
  store: FlightStore;
  config: ServerConfig;
}

export interface FlightBoardApp {
  app: Express;
  hub: EventHub;
}

/** The last event id a reconnecting client sent: the header wins over the query parameter. */
export function lastEventIdOf(req: Request): string | undefined {
  const header = req.get(LAST_EVENT_ID_HEADER);
  if (header !== undefined) return header;
  const query = req.query[LAST_EVENT_ID_PARAM];
  return typeof query === 'string' ? query : undefined;
}

/** Builds the reference server's Express app. It never listens: `main.ts` does. */
export function createApp({ store, config }: AppOptions): FlightBoardApp {
  const hub = new EventHub(store, {
    retryMs: config.retryMs,
    heartbeatMs: config.heartbeatMs,
    maxBufferedBytes: config.maxBufferedBytes,
  });
  const app = express();
  app.disable('x-powered-by');

  app.options('/events', (req, res) => answerPreflight(req, res, config.corsOrigins));
  app.get('/events', (req, res) => openStream(req, res, hub, config));

  app.get('/flights', async (_req, res) => {
    res.json(await store.state());
  });

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', clients: hub.clientCount, closed: hub.isClosed });
  });

  for (const bundle of BUNDLES) {
    app.get(`/${bundle}`, (_req, res) => {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.sendFile(bundle, { root: DIST_DIR }, (err) => {
        if (err && !res.headersSent) {
          res.status(404).type('text/plain').send(`${bundle} is not built yet: run \`npm run build\`.\n`);
        }
      });
    });
  }
  app.use(express.static(DEMO_DIR));

  return { app, hub };
}

function openStream(req: Request, res: Response, hub: EventHub, config: ServerConfig): void {
  applyCors(req, res, config.corsOrigins);
  if (hub.isClosed) {
    res.status(204).end();
    return;
  }
  const headers: Record<string, string> = { ...STREAM_HEADERS };
  if (req.httpVersionMajor === 1) headers.Connection = 'keep-alive';
  res.writeHead(200, headers);
  res.flushHeaders();
  req.socket.setNoDelay(true);
  const { ready, disconnect } = hub.connect(res, lastEventIdOf(req));
  res.on('close', disconnect);
  ready.catch(() => res.destroy());
}
