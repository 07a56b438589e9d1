import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { tokensOf } from './config.ts';
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

/** True when `presented` is one of `accepted`; every one is compared, so the time says nothing about which. */
export function matchesAnyToken(presented: string, accepted: readonly string[]): boolean {
  let matched = false;
  for (const token of accepted) matched = tokensMatch(presented, token) || matched;
  return matched;
}

/**
 * Guards a write route with `Authorization: Bearer <token>`: `401` without credentials,
 * `403` with a wrong token, and `403` with how-to-enable advice when no token is configured.
 * `token` is `FLIGHT_BOARD_TOKEN`: one token, or several separated by commas (rotation: any
 * of them is accepted).
 */
export function requireBearerToken(token: string | undefined): RequestHandler {
  const accepted = tokensOf(token);
  return (req, _res, next) => {
    if (accepted.length === 0) {
      next(
        new HttpError(
          403,
          'writes-disabled',
          'writes are disabled on this server: restart it with --generate-token (it prints a ' +
            'token) or FLIGHT_BOARD_TOKEN=<secret>, and send Authorization: Bearer <token>',
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
    if (!matchesAnyToken(match[1], accepted)) {
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
