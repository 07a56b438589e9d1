import express, { type Request, type Router } from 'express';
import { requireBearerToken } from './auth.ts';
import { parseFlightChanges, parseNewFlight } from './flight-schema.ts';
import { HttpError } from './http-error.ts';
import type { EventHub } from './hub/event-hub.ts';
import { jsonBody } from './json-body.ts';
import type { FlightStore, WriteOptions } from './store/flight-store.ts';

export interface RestRouteOptions {
  store: FlightStore;
  hub: EventHub;
  token: string | undefined;
}

/**
 * The REST API of DESIGN.md. Every write is authenticated, then validated, and only then
 * reaches the store, so a refused write changes nothing and emits nothing.
 */
export function restRoutes({ store, hub, token }: RestRouteOptions): Router {
  const router = express.Router();
  const auth = requireBearerToken(token);

  router.get('/flights', async (_req, res) => {
    res.json(await store.state());
  });

  router.post('/flights', auth, ...jsonBody, async (req, res) => {
    const flight = parseNewFlight(req.body);
    const options = writeOptions(req);
    // The event's data is the flight as first added: a replayed key answers the first write's flight.
    const event = await store.add(flight, options);
    res.status(201).location(`/flights/${flight.flight}`).type('json').send(event.data);
  });

  router.patch('/flights/:flight', auth, ...jsonBody, async (req, res) => {
    const key = flightParam(req);
    const update = parseFlightChanges(key, req.body);
    const { flight } = await store.update(update, writeOptions(req));
    res.json(flight);
  });

  router.delete('/flights/:flight', auth, async (req, res) => {
    await store.remove(flightParam(req), writeOptions(req));
    res.status(204).end();
  });

  // Both go through the store when it shares the closed state (Redis): every instance then
  // closes or reopens, and a store failure answers 503 with nothing changed.
  router.post('/close', auth, async (_req, res) => {
    await hub.closeAll();
    res.status(204).end();
  });

  router.post('/open', auth, async (_req, res) => {
    await hub.reopen();
    res.status(204).end();
  });

  // For the demo and for drills: ends every stream WITHOUT `closedConnection`, so clients
  // reconnect by themselves with `Last-Event-ID` and get the replay of what they missed.
  router.post('/drop', auth, (_req, res) => {
    hub.endAll();
    res.status(204).end();
  });

  // A known path with another method (a GET on a write-only route, a PUT on a flight) is a
  // mistake worth naming rather than a bare 404.
  methodNotAllowed(router, ['/close', '/open', '/drop'], 'POST');
  methodNotAllowed(router, ['/flights'], 'GET, HEAD, POST');
  methodNotAllowed(router, ['/flights/:flight'], 'PATCH, DELETE');

  return router;
}

/** Answers `405` with `Allow` on `paths` for every method but those routed above (and OPTIONS, a preflight). */
function methodNotAllowed(router: Router, paths: string[], allow: string): void {
  router.all(paths, (req, _res, next) => {
    if (req.method === 'OPTIONS') {
      next();
      return;
    }
    next(
      new HttpError(
        405,
        'method-not-allowed',
        `${req.path} takes ${allow.replace(/, (?=\w+$)/, ' or ')}, not ${req.method}`,
        {
          Allow: allow,
        },
      ),
    );
  });
}

/** DESIGN.md: an `Idempotency-Key` is 1–64 of A–Z a–z 0–9 - _. */
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The write's options from its headers: `Idempotency-Key`, when sent (a malformed one is a `400`,
 * not ignored: the client believes its retry is safe). `/close` and `/open` need none: asking
 * twice for the same state changes nothing the second time.
 */
function writeOptions(req: Request): WriteOptions {
  const key = req.get('idempotency-key');
  if (key === undefined) return {};
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new HttpError(
      400,
      'invalid-idempotency-key',
      `Idempotency-Key must be 1 to 64 of A-Z a-z 0-9 - _ (got ${JSON.stringify(key.slice(0, 80))}); a UUID works`,
    );
  }
  return { idempotencyKey: key };
}

/** The `:flight` path parameter (always one string on these routes). */
function flightParam(req: Request): string {
  const value = req.params.flight;
  return typeof value === 'string' ? value : '';
}
