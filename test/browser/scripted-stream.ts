// SSE streams scripted by a browser test: the test decides what each connection receives and
// when it ends, and sees every request the page made for the stream. Where the engine can stream
// a mock (Chromium, Firefox) msw's service worker plays the server; where it cannot (WebKitGTK:
// no transferable ReadableStream, so a mocked body arrives whole when it closes) a real SSE server
// inside the test runner does (test/browser/scripted-sse-server.mjs). Tests read the same either way.
import { HttpResponse, http, sse } from 'msw';
import { setupWorker } from 'msw/browser';

/** A message as `EventSource` fields: an event, or a new reconnection time. */
export type SseMessage = { id?: string; event?: string; data: string } | { retry: number };

/** One connection of a scripted stream, as the server side sees it. */
export interface SseClient {
  send(message: SseMessage): void;
  /** Ends the response: the browser reconnects after its retry time. */
  close(): void;
}

/** What a request gets instead of a stream (a failure, a page, a 204). */
export interface Answer {
  status: number;
  statusText?: string;
  body?: string;
  contentType?: string;
}

/** A stream scripted by the test: every connection and every request URL it received. */
export interface ScriptedStream {
  readonly url: string;
  /** Connections in the order they opened, each there once its response head is sent. */
  readonly connections: SseClient[];
  /** Every request for the stream (EventSource connections and the element's probes alike). */
  readonly requests: URL[];
  /** Later requests get `answer` instead of a stream; `undefined` streams again. */
  answer(answer: Answer | undefined): Promise<void>;
}

interface Backend {
  start(): Promise<void>;
  stop(): void;
  /** Called after each test: forgets the test's streams. */
  reset(): void;
  create(answer: Answer | undefined): Promise<ScriptedStream>;
}

const freshName = () => `s${Math.random().toString(36).slice(2)}`;

/** Whether a ReadableStream can be transferred, which msw needs to stream a body from its worker. */
export function canStreamMocks(): boolean {
  try {
    const body = new ReadableStream();
    structuredClone(body, { transfer: [body] });
    return true;
  } catch {
    return false;
  }
}

// ---- msw: a mock in the page's service worker ---------------------------------------------------

function mswBackend(): Backend {
  const worker = setupWorker();
  const respond = ({ status, statusText, body, contentType }: Answer) =>
    new HttpResponse(body ?? null, {
      status,
      ...(statusText ? { statusText } : {}),
      headers: contentType ? { 'content-type': contentType } : {},
    });
  return {
    start: () => worker.start({ quiet: true, onUnhandledRequest: 'bypass' }).then(() => undefined),
    stop: () => worker.stop(),
    reset: () => worker.resetHandlers(),
    async create(initial) {
      let current = initial;
      const stream: ScriptedStream = {
        url: `/__scripted/${freshName()}`,
        connections: [],
        requests: [],
        answer: async (answer) => {
          current = answer;
        },
      };
      worker.use(
        http.get(stream.url, ({ request }) => {
          stream.requests.push(new URL(request.url));
          return current ? respond(current) : undefined; // undefined: on to the stream below
        }),
        sse(stream.url, ({ client }) => {
          // First bytes at once, as the reference server sends them: Firefox fires `open` only
          // when body bytes arrive. 3000 ms is Chromium's own default reconnection time.
          client.send({ retry: 3000 });
          // msw types a client's event names by a map given in advance; a test sends any name,
          // the protocol's and the wrong ones it tests the board against.
          stream.connections.push(client as unknown as SseClient);
        }),
      );
      return stream;
    },
  };
}

// ---- a real server in the test runner ------------------------------------------------------------

/** What the server says of each request for a stream (see scripted-sse-server.mjs). */
interface RequestRecord {
  stream: string;
  url: string;
  /** Present when the request became a stream connection. */
  connection?: number;
}

function serverBackend(): Backend {
  let control: EventSource | undefined;
  const streams = new Map<string, ScriptedStream>();
  // One queue for every command, so the server sees them in the order the test gave them.
  let queue: Promise<unknown> = Promise.resolve();
  const command = (method: string, path: string, body: unknown): Promise<void> => {
    const sent = queue.then(() =>
      fetch(`/__scripted-control/${path}`, { method, body: JSON.stringify(body) }).then(async (response) => {
        // 410: the connection is gone (the page closed it), which a test may do on purpose.
        if (!response.ok && response.status !== 410)
          throw new Error(
            `scripted stream: ${method} ${path} answered ${response.status}: ${await response.text()}`,
          );
      }),
    );
    queue = sent.catch((error: unknown) => console.error(error));
    return sent;
  };
  const clientOf = (name: string, index: number): SseClient => ({
    send: (message) => void command('POST', `${name}/${index}`, { send: message }).catch(() => {}),
    close: () => void command('POST', `${name}/${index}`, { close: true }).catch(() => {}),
  });
  const record = ({ data }: MessageEvent<string>) => {
    const { stream: name, url, connection } = JSON.parse(data) as RequestRecord;
    const stream = streams.get(name);
    if (!stream) return; // another page's, or a finished test's
    stream.requests.push(new URL(url, location.href));
    if (connection !== undefined) stream.connections[connection] = clientOf(name, connection);
  };
  return {
    start: () =>
      new Promise<void>((resolve, reject) => {
        control = new EventSource('/__scripted-control');
        control.addEventListener('message', record);
        control.addEventListener('open', () => resolve(), { once: true });
        control.addEventListener(
          'error',
          () => reject(new Error('the scripted-stream server is not there')),
          {
            once: true,
          },
        );
      }),
    stop: () => control?.close(),
    reset: () => streams.clear(),
    async create(initial) {
      const name = freshName();
      const stream: ScriptedStream = {
        url: `/__scripted/${name}`,
        connections: [],
        requests: [],
        answer: (answer) => command('PUT', name, { answer: answer ?? null }),
      };
      streams.set(name, stream);
      if (initial) await stream.answer(initial);
      return stream;
    },
  };
}

const backend = canStreamMocks() ? mswBackend() : serverBackend();

/** Starts the streams' server or mock: call in a `before` hook. */
export const startScriptedStreams = (): Promise<void> => backend.start();
export const stopScriptedStreams = (): void => backend.stop();
export const resetScriptedStreams = (): void => backend.reset();

/** A stream at a fresh URL; with `answer`, its requests get that answer until told otherwise. */
export function scriptedStream(answer?: Answer): Promise<ScriptedStream> {
  return backend.create(answer);
}
