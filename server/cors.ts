import type { Request, RequestHandler, Response } from 'express';

/** Request headers a cross-origin EventSource or fetch-based client may send on `/events`. */
export const STREAM_REQUEST_HEADERS = 'Last-Event-ID, Cache-Control, Authorization';

/** The part of a request CORS reads (HTTP/1.1 and HTTP/2 requests alike). */
export interface CorsRequest {
  readonly headers: { origin?: string | undefined };
}

/** The part of a response CORS writes (HTTP/1.1 and HTTP/2 responses alike). */
export interface CorsResponse {
  setHeader(name: string, value: string): unknown;
  getHeader(name: string): unknown;
}

/** What a preflight may allow on one route. */
export interface PreflightPolicy {
  methods: string;
  headers: string;
}

/** `/events`: DESIGN.md's preflight (GET with the headers a resuming client sends). */
export const STREAM_PREFLIGHT: PreflightPolicy = { methods: 'GET', headers: STREAM_REQUEST_HEADERS };
/** The REST routes: reads and token-authenticated JSON writes. */
export const REST_PREFLIGHT: PreflightPolicy = {
  methods: 'GET, POST, PATCH, DELETE',
  headers: 'Authorization, Content-Type, Idempotency-Key',
};

/**
 * Sets the CORS headers of DESIGN.md for `origins`: `*` allows anyone without credentials;
 * an allow-listed Origin is echoed with credentials allowed; any other Origin gets nothing.
 * `Vary: Origin` is always set when the answer depends on the Origin. Plain Node types: `acceptStream`
 * calls it without Express, over HTTP/1.1 and HTTP/2.
 *
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol
 */
export function applyCors(req: CorsRequest, res: CorsResponse, origins: readonly string[]): void {
  if (origins.includes('*')) {
    res.setHeader('Access-Control-Allow-Origin', '*');
    return;
  }
  if (origins.length === 0) return;
  varyOrigin(res);
  const origin = req.headers.origin;
  if (origin === undefined || !origins.includes(origin)) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Allow-Credentials', 'true');
}

/** Adds `Origin` to the `Vary` header, keeping what is there (what Express's `res.vary` does). */
function varyOrigin(res: CorsResponse): void {
  const vary = res.getHeader('Vary');
  const fields = vary === undefined ? [] : String(vary).split(/\s*,\s*/);
  if (fields.some((field) => field === '*' || field.toLowerCase() === 'origin')) return;
  res.setHeader('Vary', [...fields.filter(Boolean), 'Origin'].join(', '));
}

/** Answers a CORS preflight with `policy` (the allow headers only when the Origin is allowed). */
export function answerPreflight(
  req: Request,
  res: Response,
  origins: readonly string[],
  policy: PreflightPolicy = STREAM_PREFLIGHT,
): void {
  applyCors(req, res, origins);
  if (res.getHeader('Access-Control-Allow-Origin') !== undefined) {
    res.setHeader('Access-Control-Allow-Methods', policy.methods);
    res.setHeader('Access-Control-Allow-Headers', policy.headers);
    res.setHeader('Access-Control-Max-Age', '600');
  }
  res.status(204).end();
}

/** Middleware: CORS headers on every answer of a route, errors included, and its preflight. */
export function cors(origins: readonly string[], policy: PreflightPolicy): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'OPTIONS') {
      answerPreflight(req, res, origins, policy);
      return;
    }
    applyCors(req, res, origins);
    next();
  };
}
