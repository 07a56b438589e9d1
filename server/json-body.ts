import express, { type RequestHandler } from 'express';
import { HttpError } from './http-error.ts';

/** Largest write body accepted (DESIGN.md: `413` over 16 KiB). */
export const MAX_BODY_BYTES = 16 * 1024;

function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}

/** Refuses a missing body (`400`) or one that is not JSON (`415`) before reading a byte of it. */
const requireJsonType: RequestHandler = (req, _res, next) => {
  if (!hasBody(req.headers)) {
    next(new HttpError(400, 'missing-body', 'this write needs a JSON body, e.g. {"state":"landed"}'));
    return;
  }
  if (!req.is(['application/json', '+json'])) {
    const type = req.get('content-type');
    next(
      new HttpError(
        415,
        'unsupported-media-type',
        `the body must be JSON with Content-Type: application/json (got ${type === undefined ? 'no Content-Type' : JSON.stringify(type)})`,
      ),
    );
    return;
  }
  next();
};

/**
 * Parses a JSON write body: `415` unless it is JSON, `413` over 16 KiB, `400` when malformed.
 * Any JSON value is accepted here (`strict: false`) so the validator can name what was sent.
 */
export const jsonBody: RequestHandler[] = [
  requireJsonType,
  express.json({ limit: MAX_BODY_BYTES, strict: false, type: () => true }),
];
