import { parse as parseQuery } from 'node:querystring';
import type { Logger } from 'pino';
import { LAST_EVENT_ID_HEADER, LAST_EVENT_ID_PARAM, STREAM_HEADERS } from '../../protocol/protocol.ts';
import type { ServerConfig } from '../config.ts';
import { applyCors } from '../cors.ts';
import { HttpError } from '../http-error.ts';
import type { EventHub } from '../hub/event-hub.ts';
import type { Metrics } from '../metrics.ts';
import { ClientsPerIp } from './clients-per-ip.ts';
import { SampledWarning } from './sampled-warning.ts';
import { type AnyRequest, type AnyResponse, isHttp2, transportFor } from './transports.ts';

/** What every stream is accepted with: one per app. */
export interface StreamContext {
  hub: EventHub;
  config: ServerConfig;
  metrics: Metrics;
  logger: Logger;
  /** Open streams by address (MAX_CLIENTS_PER_IP). */
  perIp: ClientsPerIp;
  /** The warning logged for refused streams, sampled. */
  refused: SampledWarning;
}

/** The shared state of `acceptStream` for one app. */
export function streamContext(
  hub: EventHub,
  config: ServerConfig,
  metrics: Metrics,
  logger: Logger,
  now: () => number = Date.now,
): StreamContext {
  const refused = new SampledWarning(logger, 'stream refused: too many open streams', now);
  return { hub, config, metrics, logger, perIp: new ClientsPerIp(), refused };
}

/**
 * The one way into a stream, whoever calls it (the server's listener for `/events`, or Express
 * for the rare URL it routes there), over any protocol: CORS, `204` while closed, `503` past
 * MAX_CLIENTS or MAX_CLIENTS_PER_IP, `405` for other methods, `HEAD` answered like a GET without
 * a body, then the response head, the transport for the protocol, and the hub's stream.
 */
export function acceptStream(req: AnyRequest, res: AnyResponse, context: StreamContext): void {
  const { hub, config } = context;
  applyCors(req, res, config.corsOrigins);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    answerError(
      res,
      new HttpError(405, 'method-not-allowed', `${req.method} /events is not allowed: the stream is GET`, {
        Allow: 'GET, HEAD',
      }),
    );
    return;
  }
  if (hub.isClosed) {
    res.writeHead(204).end();
    return;
  }
  const refusal = admissionError(req, context);
  if (refusal) {
    context.metrics.rejectedClients.inc();
    context.refused.warn({
      reason: refusal.code,
      maxClients: config.maxClients,
      maxClientsPerIp: config.maxClientsPerIp,
    });
    answerError(res, refusal);
    return;
  }
  res.writeHead(200, streamHeaders(req));
  // HEAD: the same head, no body, and no stream slot held.
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  openStream(req, res, context);
}

/** The stream's response head: `Connection: keep-alive` only where it means something (HTTP/1.1). */
function streamHeaders(req: AnyRequest): Record<string, string> {
  // HTTP/2 forbids connection-specific headers; an HTTP/1.0 stream ends with its connection.
  if (req.httpVersion !== '1.1') return { ...STREAM_HEADERS };
  return { ...STREAM_HEADERS, Connection: 'keep-alive' };
}

function openStream(req: AnyRequest, res: AnyResponse, context: StreamContext): void {
  const { hub, logger, config } = context;
  if (!isHttp2(req)) req.socket.setNoDelay(true);
  const transport = transportFor(req, res);
  res.on('close', hub.closeListener);
  if (config.maxClientsPerIp !== undefined) countPerIp(res, addressOf(req), context.perIp);
  const lastEventId = lastEventIdOf(req);
  const { ready } = hub.connect(transport, lastEventId, res);
  ready.catch((error: unknown) => {
    // The store failed mid catch-up (Redis down): drop the stream so the client retries after
    // `retry:` instead of sitting on one that will never start. Ended first, then dropped: the
    // head and `retry:` may still be corked in this tick and must go out first.
    logger.error({ err: error }, 'stream dropped: could not read the history or the board');
    hub.disconnect(res);
    if (isHttp2(req)) {
      transport.end(); // this stream only: the connection carries the client's others
      return;
    }
    const { socket } = req; // by 'finish' the response has let go of it
    res.end(() => socket.destroy());
  });
}

/** Counts the stream for its address until it closes (a function of its own: the listener holds only `ip`). */
function countPerIp(res: AnyResponse, ip: string, perIp: ClientsPerIp): void {
  perIp.add(ip);
  res.on('close', () => perIp.remove(ip));
}

/** Why a new stream is refused now, if it is. */
function admissionError(req: AnyRequest, { hub, config, perIp }: StreamContext): HttpError | undefined {
  const seconds = Math.max(1, Math.ceil(config.retryMs / 1000));
  const retry = { 'Retry-After': String(seconds) };
  if (config.maxClients !== undefined && hub.clientCount >= config.maxClients) {
    return new HttpError(
      503,
      'too-many-clients',
      `this server already serves its ${config.maxClients} streams (MAX_CLIENTS); retry in ${seconds} s`,
      retry,
    );
  }
  const max = config.maxClientsPerIp;
  if (max !== undefined && perIp.count(addressOf(req)) >= max) {
    return new HttpError(
      503,
      'too-many-clients-per-ip',
      `this address already has ${max} streams open (MAX_CLIENTS_PER_IP); close one, or retry in ${seconds} s`,
      retry,
    );
  }
  return undefined;
}

function addressOf(req: AnyRequest): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/** DESIGN.md's error JSON, without Express (the listener answers streams on plain Node). */
function answerError(res: AnyResponse, error: HttpError): void {
  const body = JSON.stringify({ error: { code: error.code, message: error.message } });
  res.writeHead(error.status, {
    ...error.headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

/**
 * The last event id a reconnecting client sent: the header wins over the query parameter. An
 * empty header counts as absent (browsers never send one; a proxy might); so does a repeated
 * query parameter. The query is read as Express's default parser does (node:querystring).
 */
export function lastEventIdOf(req: AnyRequest): string | undefined {
  // Node joins a repeated header with ', ' (a string).
  const header = req.headers[LAST_EVENT_ID_HEADER];
  if (typeof header === 'string' && header !== '') return header;
  const url = req.url ?? '';
  const at = url.indexOf('?');
  if (at === -1) return undefined;
  const query = parseQuery(url.slice(at + 1))[LAST_EVENT_ID_PARAM];
  return typeof query === 'string' ? query : undefined;
}

/**
 * True when `url` is exactly `/events` or `/events?…`: what the server's listener hands to
 * `acceptStream` directly. URLs with characters that make Express's `parseurl` fall back to
 * `url.parse` (`#`, whitespace) are left to Express, which routes them to `acceptStream` too.
 */
export function isStreamUrl(url: string | undefined): boolean {
  if (url === '/events') return true;
  return url?.startsWith('/events?') === true && !/[\s#\u00a0\ufeff]/.test(url);
}
