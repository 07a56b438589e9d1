// A real SSE server inside the test runner's dev server, scripted by the page under test: the
// browser suite's streams where a mock cannot stream (WebKitGTK has no transferable
// ReadableStream, so msw's SSE bodies arrive whole when they close).
//
//   GET  /__scripted/<stream>[?…]          the stream (or the answer set for it), as a browser gets it
//   GET  /__scripted-control                an SSE stream telling the page of every request above
//   POST /__scripted-control/<stream>/<n>   { send: message } or { close: true } on connection n
//   PUT  /__scripted-control/<stream>       { answer } answers later requests instead of streaming
//
// See test/browser/scripted-stream.ts for the page's side.

const STREAM = /^\/__scripted\/([\w-]+)$/;
const CONNECTION = /^\/__scripted-control\/([\w-]+)\/(\d+)$/;
const ANSWER = /^\/__scripted-control\/([\w-]+)$/;
/** A 1000-flight snapshot is ~100 KB; anything near this bound is a bug in a test. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** @typedef {{ status: number, statusText?: string, body?: string, contentType?: string }} Answer */
/** @typedef {{ answer?: Answer, connections: import('node:http').ServerResponse[] }} Stream */

/** @type {Map<string, Stream>} */
const streams = new Map();
/** @type {Set<import('node:http').ServerResponse>} */
const controls = new Set();

const streamNamed = (name) => {
  if (!streams.has(name)) streams.set(name, { connections: [] });
  return streams.get(name);
};

/** One message as SSE lines: the same fields msw's `client.send()` takes. */
export function frame(message) {
  if ('retry' in message) return `retry: ${message.retry}\n\n`;
  let text = '';
  if (message.id !== undefined) text += `id: ${message.id}\n`;
  if (message.event !== undefined) text += `event: ${message.event}\n`;
  for (const line of String(message.data).split('\n')) text += `data: ${line}\n`;
  return `${text}\n`;
}

function tellControls(record) {
  const text = `data: ${JSON.stringify(record)}\n\n`;
  for (const control of controls) control.write(text);
}

function openStream(res) {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  // First bytes at once: Firefox fires `open` only when body bytes arrive.
  res.write(': scripted\n\n');
}

function serveStream(name, req, res) {
  const stream = streamNamed(name);
  const url = req.url;
  const { answer } = stream;
  if (answer) {
    res.writeHead(
      answer.status,
      answer.statusText,
      answer.contentType ? { 'content-type': answer.contentType } : {},
    );
    res.end(answer.body);
    tellControls({ stream: name, url });
    return;
  }
  openStream(res);
  // As the msw stream did: 3000 ms is Chromium's own default reconnection time.
  res.write(frame({ retry: 3000 }));
  const connection = stream.connections.push(res) - 1;
  tellControls({ stream: name, url, connection });
}

async function readJson(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > MAX_BODY_BYTES) throw new Error('a scripted-stream control body over 8 MiB');
  }
  return JSON.parse(body);
}

/** Serves a control request; false when `path` is none of them. */
function control(method, path, req, res) {
  if (method === 'GET' && path === '/__scripted-control') {
    openStream(res);
    controls.add(res);
    res.once('close', () => controls.delete(res));
    return true;
  }
  const connection = method === 'POST' && CONNECTION.exec(path);
  if (connection) {
    return readJson(req).then((command) => {
      const target = streams.get(connection[1])?.connections[Number(connection[2])];
      // A connection the browser already closed takes nothing: 410 says so, the page ignores it.
      if (!target || target.writableEnded || target.destroyed) res.writeHead(410).end();
      else {
        if (command.close) target.end();
        else target.write(frame(command.send));
        res.writeHead(204).end();
      }
      return true;
    });
  }
  const answer = method === 'PUT' && ANSWER.exec(path);
  if (answer) {
    return readJson(req).then((command) => {
      streamNamed(answer[1]).answer = command.answer ?? undefined;
      res.writeHead(204).end();
      return true;
    });
  }
  return false;
}

/** wtr middleware (Koa): serves the streams and their control API, and nothing else. */
export async function scriptedSseMiddleware(context, next) {
  const path = context.path;
  const stream = context.method === 'GET' && STREAM.exec(path);
  if (!stream && !path.startsWith('/__scripted-control')) return next();
  // The response is written by hand, as a stream: Koa must not touch it.
  context.respond = false;
  const { req, res } = context;
  try {
    if (stream) return serveStream(stream[1], req, res);
    if (!(await control(context.method, path, req, res)))
      res.writeHead(404).end(`no ${context.method} ${path}`);
  } catch (error) {
    // Answered, not thrown: an exception here would stop the whole test run.
    if (!res.headersSent) res.writeHead(400);
    if (!res.writableEnded) res.end(String(error));
  }
}
