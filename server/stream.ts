import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { LAST_EVENT_ID_HEADER, LAST_EVENT_ID_PARAM, STREAM_HEADERS } from '../src/protocol.ts';
import type { ServerConfig } from './config.ts';
import type { EventHub } from './event-hub.ts';
import { HttpError } from './http-error.ts';
import type { Metrics } from './metrics.ts';

/**
 * The last event id a reconnecting client sent: the header wins over the query parameter.
 * An empty header counts as absent (browsers never send one; a proxy might).
 */
export function lastEventIdOf(req: Request): string | undefined {
  const header = req.get(LAST_EVENT_ID_HEADER);
  if (header !== undefined && header !== '') return header;
  const query = req.query[LAST_EVENT_ID_PARAM];
  return typeof query === 'string' ? query : undefined;
}

export interface StreamRouteOptions {
  hub: EventHub;
  config: ServerConfig;
  metrics: Metrics;
  logger: Logger;
}

/**
 * `GET /events`: `204` while closed, `503` with `Retry-After` when MAX_CLIENTS are open,
 * otherwise the headers at once and the hub's stream. CORS headers are set before this runs.
 */
export function streamRoute({ hub, config, metrics, logger }: StreamRouteOptions): RequestHandler {
  return (req, res, next) => {
    if (hub.isClosed) {
      res.status(204).end();
      return;
    }
    if (config.maxClients !== undefined && hub.clientCount >= config.maxClients) {
      metrics.rejectedClients.inc();
      logger.warn({ maxClients: config.maxClients }, 'stream refused: MAX_CLIENTS reached');
      next(tooManyClients(config));
      return;
    }
    openStream(req, res, hub, logger);
  };
}

function tooManyClients(config: ServerConfig): HttpError {
  const seconds = Math.max(1, Math.ceil(config.retryMs / 1000));
  return new HttpError(
    503,
    'too-many-clients',
    `this server already serves its ${config.maxClients} streams (MAX_CLIENTS); retry in ${seconds} s`,
    { 'Retry-After': String(seconds) },
  );
}

function openStream(req: Request, res: Response, hub: EventHub, logger: Logger): void {
  const headers: Record<string, string> = { ...STREAM_HEADERS };
  if (req.httpVersionMajor === 1) headers.Connection = 'keep-alive';
  res.writeHead(200, headers);
  res.flushHeaders(); // at once: EventSource fires `open` only when the headers arrive
  req.socket.setNoDelay(true);
  const lastEventId = lastEventIdOf(req);
  // HTTP/1.1 answers are chunked: the hub can then write ready-made chunks to the socket.
  const chunkedSocket = res.chunkedEncoding && res.socket ? res.socket : undefined;
  const { ready, disconnect } = hub.connect(res, lastEventId, { chunkedSocket });
  res.on('close', disconnect);
  logger.debug({ lastEventId, clients: hub.clientCount }, 'stream opened');
  ready.catch((error: unknown) => {
    // The store failed mid catch-up (Redis down): drop the connection so the client retries
    // after `retry:` instead of sitting on a stream that will never start.
    logger.error({ err: error }, 'stream dropped: could not read the history or the board');
    res.destroy();
  });
}
