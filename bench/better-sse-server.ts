/**
 * better-sse, used as its documentation shows: a session per request registered on one
 * Channel, and `channel.broadcast()` per event. `POST /publish` takes `{ "state": … }` and
 * broadcasts a `flightStateUpdate` for the bench flight with a sequential id, like the others.
 */
import { createServer } from 'node:http';
import { createChannel, createSession } from 'better-sse';
import { BENCH_FLIGHT, benchServerEnv, readBody } from './server/bench-server-env.ts';

const { port, host, heartbeatMs } = benchServerEnv();
const channel = createChannel();
let lastId = 0;

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url?.startsWith('/events')) {
    req.socket.setNoDelay(true);
    createSession(req, res, { retry: 3000, keepAlive: heartbeatMs }).then(
      (session) => channel.register(session),
      () => res.destroy(),
    );
    return;
  }
  if (req.method === 'POST' && req.url === '/publish') {
    readBody(req).then((body) => {
      const changes = JSON.parse(body) as Record<string, unknown>;
      const flight = { ...changes, flight: BENCH_FLIGHT };
      channel.broadcast(flight, 'flightStateUpdate', { eventId: String(++lastId) });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(flight));
    });
    return;
  }
  if (req.url === '/health') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(`{"clients":${channel.sessionCount}}`);
    return;
  }
  res.writeHead(404).end();
});

server.listen(port, host);
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
