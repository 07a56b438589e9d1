import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { LAST_EVENT_ID_HEADER, LAST_EVENT_ID_PARAM, STREAM_HEADERS } from '../protocol/protocol.ts';
import type { ServerConfig } from './config.ts';
import { applyCors } from './cors.ts';
import type { EventHub } from './event-hub.ts';
import { HttpError } from './http-error.ts';
import type { Metrics } from './metrics.ts';

/**
 * The last event id a reconnecting client sent: the header wins over the query parameter.
 * An empty header counts as absent (browsers never send one; a proxy might).
 */
export function lastEventIdOf(req: Request): string | undefined {
  return pickLastEventId(req.get(LAST_EVENT_ID_HEADER), req.query[LAST_EVENT_ID_PARAM]);
}

/** A repeated query parameter (an array) counts as absent. */
function pickLastEventId(header: string | undefined, query: unknown): string | undefined {
  if (header !== undefined && header !== '') return header;
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
    openStream(req, res, lastEventIdOf(req), hub, logger);
  };
}

/** True when a new stream would be served now: the board is open and under MAX_CLIENTS. */
function acceptsStream(hub: EventHub, config: ServerConfig): boolean {
  return !hub.isClosed && (config.maxClients === undefined || hub.clientCount < config.maxClients);
}

export interface StreamListenerOptions {
  hub: EventHub;
  config: ServerConfig;
  logger: Logger;
  /** Called with each request once answered (the request log; Express's is bypassed). */
  onAnswered: (req: IncomingMessage, res: ServerResponse, path: string) => void;
  /** Everything else: the Express app. */
  fallback: RequestListener;
}

/**
 * The server's request listener: opens `GET /events` streams on plain node:http, hands every
 * other request to `fallback` (Express). Why: Express keeps its per-request state (prototype
 * swaps on req/res, router state) alive as long as the response, which nearly doubled the
 * memory of each idle stream (16.5 KB vs 8.6 KB RSS on node:http, docs/performance.md).
 *
 * Only the long-lived answer is taken here. Anything short-lived or unusual still goes to
 * Express, so it keeps its exact answer: the 204 while closed, the 503 at MAX_CLIENTS, the
 * preflight, HEAD, other methods, `/events/`, `/EVENTS`, URLs that Express parses the slow way.
 */
export function streamListener({
  hub,
  config,
  logger,
  onAnswered,
  fallback,
}: StreamListenerOptions): RequestListener {
  return (req, res) => {
    const search = req.method === 'GET' ? streamQuery(req.url) : undefined;
    if (search === undefined || !acceptsStream(hub, config)) {
      fallback(req, res);
      return;
    }
    onAnswered(req, res, '/events');
    applyCors(req, res, config.corsOrigins);
    // Node joins a repeated header with ', ' (a string), as `req.get` returns it.
    const header = req.headers[LAST_EVENT_ID_HEADER];
    // Express's default ("simple") query parser is node:querystring: same arrays, same decoding.
    const query = parseQuery(search)[LAST_EVENT_ID_PARAM];
    const lastEventId = pickLastEventId(typeof header === 'string' ? header : undefined, query);
    openStream(req, res, lastEventId, hub, logger);
  };
}

/**
 * The query string when `url` is exactly `/events` or `/events?…` (else undefined). URLs with
 * characters that make Express's `parseurl` fall back to `url.parse` (`#`, whitespace) are left
 * to Express.
 */
function streamQuery(url: string | undefined): string | undefined {
  if (url === '/events') return '';
  if (url === undefined || !url.startsWith('/events?') || /[\s#\u00a0\ufeff]/.test(url)) return undefined;
  return url.slice('/events?'.length);
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

/**
 * Sends the response headers as their own piece of the socket's next write, which stays one
 * syscall: the socket is corked until the next tick, so `retry:` and the catch-up join it.
 * Why their own piece: Node keeps the header text on the response for the life of the stream,
 * built from ~20 concatenated pieces (~1 KB of heap). Written inside a larger string, it stays
 * in pieces; written alone, V8 flattens it to one string of ~0.3 KB (`npm run bench:heap`).
 */
function sendHeadersWithNextWrite(res: ServerResponse): void {
  const { socket } = res;
  if (!socket) return;
  socket.cork();
  res.flushHeaders();
  process.nextTick(() => socket.uncork());
}

function openStream(
  req: IncomingMessage,
  res: ServerResponse,
  lastEventId: string | undefined,
  hub: EventHub,
  logger: Logger,
): void {
  const headers: Record<string, string> = { ...STREAM_HEADERS };
  if (req.httpVersionMajor === 1) headers.Connection = 'keep-alive';
  // Not flushed yet: they leave at the stream's catch-up turn, in one write with `retry:` and
  // the replay or snapshot (sendHeadersWithNextWrite), one syscall per stream, which adds up in a
  // reconnect storm. Without a storm that turn is the next turn of the event loop, so
  // EventSource's `open` is not noticeably later.
  res.writeHead(200, headers);
  req.socket.setNoDelay(true);
  // HTTP/1.1 answers are chunked: the hub can then write ready-made chunks to the socket.
  const chunkedSocket = res.chunkedEncoding && res.socket ? res.socket : undefined;
  const { ready } = hub.connect(res, lastEventId, {
    chunkedSocket,
    beforeFirstWrite: () => sendHeadersWithNextWrite(res),
  });
  res.on('close', hub.closeListener);
  logger.debug({ lastEventId, clients: hub.clientCount }, 'stream opened');
  ready.catch((error: unknown) => {
    // The store failed mid catch-up (Redis down): drop the connection so the client retries
    // after `retry:` instead of sitting on a stream that will never start. Ended first, then
    // dropped: the headers and `retry:` may still be corked in this tick and must go out first.
    logger.error({ err: error }, 'stream dropped: could not read the history or the board');
    const { socket } = req; // by 'finish' the response has let go of it
    res.end(() => socket.destroy());
  });
}
