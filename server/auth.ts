import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from './http-error.ts';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * True when `presented` is `expected`, in time that does not depend on where they differ:
 * both are hashed first so `timingSafeEqual` always compares equal-length buffers and the
 * token's length does not leak either.
 */
export function tokensMatch(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * Guards a write route with `Authorization: Bearer <token>`: `401` without credentials,
 * `403` with a wrong token, and `403` with how-to-enable advice when no token is configured.
 */
export function requireBearerToken(token: string | undefined): RequestHandler {
  return (req, _res, next) => {
    if (token === undefined) {
      next(
        new HttpError(
          403,
          'writes-disabled',
          'writes are disabled on this server: start it with FLIGHT_BOARD_TOKEN=<secret> ' +
            '(or --flight-board-token) and send Authorization: Bearer <secret>',
        ),
      );
      return;
    }
    const match = BEARER.exec(req.get('authorization') ?? '');
    if (!match?.[1]) {
      next(
        new HttpError(
          401,
          'unauthorized',
          'this write needs the header Authorization: Bearer <FLIGHT_BOARD_TOKEN>',
          { 'WWW-Authenticate': 'Bearer realm="flight-board"' },
        ),
      );
      return;
    }
    if (!tokensMatch(match[1], token)) {
      next(
        new HttpError(
          403,
          'forbidden',
          'the bearer token is wrong; use the FLIGHT_BOARD_TOKEN of this server',
        ),
      );
      return;
    }
    next();
  };
}
