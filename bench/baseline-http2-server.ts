/**
 * The HTTP/2 baseline: the least a Node SSE server over HTTP/2 can do. `node:http2` with TLS
 * only (the same certificate as the reference); each event is serialised once and the same
 * Buffer written to every open stream. `POST /publish` takes `{ "state": … }` and broadcasts it as
 * a `flightStateUpdate` for the bench flight: the same bytes the reference sends for
 * `PATCH /flights/B1`. HTTP/1.1 clients are served too (ALPN), for the publisher.
 */
import { readFileSync } from 'node:fs';
import { createSecureServer, type ServerHttp2Stream } from 'node:http2';
import { BENCH_FLIGHT, benchServerEnv } from './server/bench-server-env.ts';

const { port, host, heartbeatMs } = benchServerEnv();
const cert = readFileSync(process.env.TLS_CERT ?? '');
const key = readFileSync(process.env.TLS_KEY ?? '');
const streams = new Set<ServerHttp2Stream>();
let lastId = 0;
let lastBroadcastAt = Date.now();

function broadcast(frame: Buffer): void {
  lastBroadcastAt = Date.now();
  for (const stream of streams) stream.write(frame);
}

const server = createSecureServer({ cert, key, allowHTTP1: true }, (req, res) => {
  if (req.method === 'GET' && req.url?.startsWith('/events') && req.httpVersionMajor === 2) {
    const { stream } = req;
    stream.respond({
      ':status': 200,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    stream.write('retry: 3000\n\n');
    streams.add(stream);
    stream.on('close', () => streams.delete(stream));
    return;
  }
  if (req.method === 'POST' && req.url === '/publish') {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const changes = JSON.parse(body) as Record<string, unknown>;
      const data = JSON.stringify({ ...changes, flight: BENCH_FLIGHT });
      broadcast(Buffer.from(`id: ${++lastId}\nevent: flightStateUpdate\ndata: ${data}\n\n`));
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(data);
    });
    return;
  }
  if (req.url === '/health') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(`{"clients":${streams.size}}`);
    return;
  }
  res.writeHead(404).end();
});

setInterval(
  () => {
    if (Date.now() - lastBroadcastAt >= heartbeatMs) broadcast(Buffer.from(': keep-alive\n\n'));
  },
  Math.max(5, heartbeatMs / 4),
).unref();

server.listen({ port, host });
process.on('SIGTERM', () => process.exit(0));
