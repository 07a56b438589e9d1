/**
 * The baseline: the least a Node SSE server can do. `node:http` only; each event is
 * serialised once and the same string is written to every open response. `POST /publish`
 * takes `{ "state": … }` and broadcasts it as a `flightStateUpdate` for the bench flight,
 * the same bytes the reference server sends for `PATCH /flights/B1`.
 */
import { createServer, type ServerResponse } from 'node:http';
import { LISTEN_BACKLOG } from '../server/start.ts';
import { BENCH_FLIGHT, benchServerEnv, readBody, SSE_HEADERS } from './server/bench-server-env.ts';

const { port, host, heartbeatMs } = benchServerEnv();
const clients = new Set<ServerResponse>();
let lastId = 0;
/** Every client got the last broadcast, so one timestamp tells when the streams fell silent. */
let lastBroadcastAt = Date.now();

function broadcast(frame: string): void {
  lastBroadcastAt = Date.now();
  for (const res of clients) res.write(frame);
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url?.startsWith('/events')) {
    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
    req.socket.setNoDelay(true);
    res.write('retry: 3000\n\n');
    clients.add(res);
    res.on('close', () => clients.delete(res));
    return;
  }
  if (req.method === 'POST' && req.url === '/publish') {
    readBody(req).then((body) => {
      const changes = JSON.parse(body) as Record<string, unknown>;
      const data = JSON.stringify({ ...changes, flight: BENCH_FLIGHT });
      broadcast(`id: ${++lastId}\nevent: flightStateUpdate\ndata: ${data}\n\n`);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(data);
    });
    return;
  }
  if (req.url === '/health') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(`{"clients":${clients.size}}`);
    return;
  }
  res.writeHead(404).end();
});

// One timer for every stream: a comment to all after `heartbeatMs` without a broadcast.
setInterval(
  () => {
    if (Date.now() - lastBroadcastAt >= heartbeatMs) broadcast(': keep-alive\n\n');
  },
  Math.max(5, heartbeatMs / 4),
).unref();

// The reference server's backlog (server/start.ts): with Node's default of 511 a reconnect storm's
// excess SYNs are dropped and come back 1 s later, which would spread the baseline's storm out.
server.listen({ port, host, backlog: LISTEN_BACKLOG });
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
