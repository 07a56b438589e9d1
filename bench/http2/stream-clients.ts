/**
 * A child process of `bench:http2` holding SSE streams to one server and counting the frames they
 * receive. Driven over IPC: `open` (then answers `opened` once every stream has its first frame),
 * `reset`, `count`, `close`. Streams over HTTP/2 share sessions, `perSession` each, as the
 * boards of one page share a browser's connection.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';

export type StreamProtocol = 'http/1.1' | 'https/1.1' | 'h2';

export type ClientCommand =
  | { cmd: 'open'; port: number; protocol: StreamProtocol; streams: number; perSession: number }
  | { cmd: 'reset' }
  | { cmd: 'count' }
  | { cmd: 'close' };

let frames = 0;
let opened = 0;
const closers: (() => void)[] = [];

/** Counts frame ends (`\n\n`) across chunk boundaries; the first frame of a stream marks it open. */
function frameCounter(): (chunk: Buffer) => void {
  let carry = 0; // 1 when the previous chunk ended with \n
  let first = true;
  return (chunk) => {
    let n = 0;
    if (carry && chunk[0] === 10) n++;
    for (let i = chunk.indexOf(10); i !== -1 && i < chunk.length - 1; i = chunk.indexOf(10, i + 1)) {
      if (chunk[i + 1] === 10) n++;
    }
    carry = chunk[chunk.length - 1] === 10 ? 1 : 0;
    if (n > 0 && first) {
      first = false;
      opened++;
    }
    frames += n;
  };
}

function openHttp1(port: number, secure: boolean): void {
  const options = {
    host: '127.0.0.1',
    port,
    path: '/events',
    agent: false as const,
    headers: { accept: 'text/event-stream' },
    rejectUnauthorized: false,
  };
  const onResponse = (res: IncomingMessage) => res.on('data', frameCounter());
  const req = secure ? httpsRequest(options, onResponse) : httpRequest(options, onResponse);
  req.on('error', () => undefined);
  req.end();
  closers.push(() => req.destroy());
}

function openHttp2(port: number, streams: number, perSession: number): void {
  for (let opened = 0; opened < streams; ) {
    const session = connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
    session.on('error', () => undefined);
    closers.push(() => session.destroy());
    for (let i = 0; i < perSession && opened < streams; i++, opened++) {
      const stream = session.request({ ':path': '/events', accept: 'text/event-stream' });
      stream.on('data', frameCounter());
      stream.on('error', () => undefined);
    }
  }
}

process.on('message', (message: ClientCommand) => {
  const reply = (value: unknown) => process.send?.(value);
  switch (message.cmd) {
    case 'open': {
      const { port, protocol, streams, perSession } = message;
      if (protocol === 'h2') openHttp2(port, streams, perSession);
      else for (let i = 0; i < streams; i++) openHttp1(port, protocol === 'https/1.1');
      const started = Date.now();
      const check = setInterval(() => {
        if (opened >= streams || Date.now() - started > 30_000) {
          clearInterval(check);
          reply({ opened });
        }
      }, 20);
      break;
    }
    case 'reset':
      frames = 0;
      reply({ ok: true });
      break;
    case 'count':
      reply({ frames });
      break;
    case 'close':
      for (const close of closers.splice(0)) close();
      opened = 0;
      reply({ ok: true });
      break;
  }
});
