/**
 * A load-generator process: holds many SSE streams on raw sockets and, for each event whose
 * data starts with the bench timestamp, records how long it took from publish to here.
 * Driven by the bench over IPC (see worker-protocol.ts). No SSE library: the reader only
 * splits complete lines and finds the timestamp, so the client side stays cheap.
 */
import { connect, type Socket } from 'node:net';
import { Histogram } from '../support/histogram.ts';
import { monotonicMicros } from '../support/monotonic.ts';
import {
  type StreamTarget,
  TIMESTAMP_MARKER,
  type WorkerCommand,
  type WorkerReply,
} from './worker-protocol.ts';

const sockets = new Set<Socket>();
let latency = new Histogram();
let deliveries = 0;
let dropped = 0;

function send(reply: WorkerReply): void {
  process.send?.(reply);
}

/** Counts the timestamped events in the complete lines of `text`. */
function scan(text: string, now: number): void {
  let at = text.indexOf(TIMESTAMP_MARKER);
  while (at !== -1) {
    const start = at + TIMESTAMP_MARKER.length;
    const end = text.indexOf('"', start);
    const sentAt = Number(text.slice(start, end));
    deliveries++;
    latency.record(now - sentAt);
    at = text.indexOf(TIMESTAMP_MARKER, end);
  }
}

/** Opens one stream; resolves with the µs until its response headers, or rejects. */
function openStream(target: StreamTarget, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = monotonicMicros();
    const socket = connect({ port: target.port, host: '127.0.0.1' });
    let headersSeen = false;
    let carry = '';
    const timer = setTimeout(
      () => socket.destroy(new Error(`no response headers within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const extra = Object.entries(target.headers ?? {})
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.on('connect', () => {
      socket.write(
        `GET ${target.path} HTTP/1.1\r\nHost: 127.0.0.1:${target.port}\r\nAccept: text/event-stream\r\n${extra}\r\n`,
      );
    });
    socket.on('data', (bytes: Buffer) => {
      if (headersSeen && target.discardBody) return;
      let text = carry + bytes.toString('latin1');
      if (!headersSeen) {
        const end = text.indexOf('\r\n\r\n');
        if (end === -1) {
          carry = text;
          return;
        }
        clearTimeout(timer);
        headersSeen = true;
        if (!text.startsWith('HTTP/1.1 200')) {
          socket.destroy();
          reject(new Error(text.slice(0, text.indexOf('\r\n'))));
          return;
        }
        sockets.add(socket);
        resolve(monotonicMicros() - started);
        if (target.discardBody) return;
        text = text.slice(end + 4);
      }
      const lastLine = text.lastIndexOf('\n');
      if (lastLine === -1) {
        carry = text;
        return;
      }
      carry = text.slice(lastLine + 1);
      scan(text.slice(0, lastLine + 1), monotonicMicros());
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      if (!headersSeen) reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (sockets.delete(socket)) dropped++;
    });
  });
}

async function openMany(
  target: StreamTarget,
  count: number,
  concurrency: number,
  timeoutMs: number,
): Promise<void> {
  const started = performance.now();
  const connectTime = new Histogram();
  let opened = 0;
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const id = target.lastEventIds?.[next];
      next++;
      const own =
        id === undefined ? target : { ...target, headers: { ...target.headers, 'Last-Event-ID': id } };
      try {
        connectTime.record(await openStream(own, timeoutMs));
        opened++;
      } catch (error) {
        failed++;
        firstError ??= String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  send({
    type: 'connected',
    opened,
    failed,
    ...(firstError ? { firstError } : {}),
    connectTime: connectTime.toJSON(),
    elapsedMs: performance.now() - started,
  });
}

function closeAll(): void {
  for (const socket of sockets) {
    sockets.delete(socket);
    socket.destroy();
  }
  send({ type: 'closed' });
}

process.on('message', (command: WorkerCommand) => {
  switch (command.type) {
    case 'connect':
      void openMany(command.target, command.count, command.concurrency, command.timeoutMs);
      break;
    case 'window-start':
      latency = new Histogram();
      deliveries = 0;
      dropped = 0;
      break;
    case 'window-end':
      send({ type: 'window', deliveries, latency: latency.toJSON(), dropped, open: sockets.size });
      break;
    case 'close-all':
      closeAll();
      break;
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
