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

/** Deepest nesting of arrays and objects a write body may have. */
export const MAX_BODY_DEPTH = 32;

/** True when `value` nests arrays or objects more than `max` levels deep (walked without recursion). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Refuses a body nested deeper than MAX_BODY_DEPTH: JSON.parse accepts thousands of levels in
 * 16 KiB, but JSON.stringify (error messages, events, `GET /flights`) recurses and would overflow
 * the stack, failing this write with a 500 or, once stored, every later read of the board.
 */
const limitDepth: RequestHandler = (req, _res, next) => {
  if (nestsDeeperThan(req.body, MAX_BODY_DEPTH)) {
    next(
      new HttpError(
        400,
        'body-too-deep',
        `the request body nests arrays or objects more than ${MAX_BODY_DEPTH} levels deep; flatten it`,
      ),
    );
    return;
  }
  next();
};

/**
 * The path (`gate`, `x.y.0`) of the first number in `value` that JSON cannot carry (`1e400`
 * parses to Infinity), or `undefined` when there is none. Walked without recursion; call it
 * after the depth check.
 */
export function nonFiniteNumberPath(value: unknown): string | undefined {
  const stack: [unknown, string[]][] = [[value, []]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, path] = item;
    if (typeof node === 'number' && !Number.isFinite(node)) return path.join('.') || 'the body';
    if (typeof node !== 'object' || node === null) continue;
    for (const [key, child] of Object.entries(node)) stack.push([child, [...path, key]]);
  }
  return undefined;
}

/**
 * Refuses a number out of JSON's range (`1e400`): JSON.parse reads it as Infinity, which every
 * later JSON.stringify (the event, `GET /flights`) would turn into `null`, storing a value the
 * client never sent.
 */
const requireFiniteNumbers: RequestHandler = (req, _res, next) => {
  const path = nonFiniteNumberPath(req.body);
  if (path !== undefined) {
    next(
      new HttpError(
        400,
        'invalid-number',
        `${path} is a number too large for JSON (beyond ±1.8e308); send it as text or within range`,
      ),
    );
    return;
  }
  next();
};

/**
 * Parses a JSON write body: `415` unless it is JSON, `413` over 16 KiB, `400` when malformed,
 * nested deeper than MAX_BODY_DEPTH or holding a number beyond JSON's range.
 * Any JSON value is accepted here (`strict: false`) so the validator can name what was sent.
 */
export const jsonBody: RequestHandler[] = [
  requireJsonType,
  express.json({ limit: MAX_BODY_BYTES, strict: false, type: () => true }),
  limitDepth,
  requireFiniteNumbers,
];
