import type { Request, Response } from 'express';

/** Request headers a cross-origin EventSource or fetch-based client may send on `/events`. */
export const ALLOWED_REQUEST_HEADERS = 'Last-Event-ID, Cache-Control, Authorization';

/**
 * Sets the CORS headers of DESIGN.md for `origins`: `*` allows anyone without credentials;
 * an allow-listed Origin is echoed with credentials allowed; any other Origin gets nothing.
 * `Vary: Origin` is always set when the answer depends on the Origin.
 *
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol
 */
export function applyCors(req: Request, res: Response, origins: readonly string[]): void {
  if (origins.includes('*')) {
    res.setHeader('Access-Control-Allow-Origin', '*');
    return;
  }
  if (origins.length === 0) return;
  res.vary('Origin');
  const origin = req.get('origin');
  if (origin === undefined || !origins.includes(origin)) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Allow-Credentials', 'true');
}

/** Answers a CORS preflight for `/events` (only when the Origin is allowed). */
export function answerPreflight(req: Request, res: Response, origins: readonly string[]): void {
  applyCors(req, res, origins);
  if (res.getHeader('Access-Control-Allow-Origin') !== undefined) {
    res.setHeader('Access-Control-Allow-Methods', 'GET');
    res.setHeader('Access-Control-Allow-Headers', ALLOWED_REQUEST_HEADERS);
    res.setHeader('Access-Control-Max-Age', '600');
  }
  res.status(204).end();
}
